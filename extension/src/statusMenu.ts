// The status bar item's quick menu, and the practice file it (and the walkthrough) offers.

import * as vscode from 'vscode';
import { ApiKeyStore } from './secrets';

const PRACTICE = `# A small practice file: Code Coach marks the mistakes below.
# Hover a wavy underline to read why it is a problem and a hint toward the fix.

answer = input("Do you like Python? ")
if answer is "yes":
    print("Me too!")

numbers = [3, 1, 2]
total = 0
for i in range(len(numbers)):
    total = total + numbers[i]
print(total)
`;

type Item = vscode.QuickPickItem & { command?: string; args?: unknown[] };

export function registerStatusMenu(context: vscode.ExtensionContext, keys: ApiKeyStore): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('codecoach.statusMenu', async () => {
      const cloud = vscode.workspace.getConfiguration('codecoach').get<boolean>('cloud.enabled');
      const items: Item[] = [
        { label: '$(graph) Show Learning Summary', command: 'codecoach.openSummary' },
        { label: '$(book) Show Recommendations', command: 'codecoach.openRecommendations' },
        { label: '$(lightbulb) Show Insights', command: 'codecoach.openInsights' },
        { label: '', kind: vscode.QuickPickItemKind.Separator },
        { label: cloud ? '$(cloud) Turn Cloud Analysis Off' : '$(cloud) Turn Cloud Analysis On', description: cloud ? 'now: Gemini' : 'now: offline', command: 'codecoach.toggleCloud' },
        (await keys.has()) ? { label: '$(key) Clear API Key', command: 'codecoach.clearApiKey' } : { label: '$(key) Set Gemini API Key', command: 'codecoach.setApiKey' },
        { label: '$(eye-closed) Manage Disabled Rules', command: 'codecoach.manageDisabledRules' },
        { label: '', kind: vscode.QuickPickItemKind.Separator },
        { label: '$(debug-restart) Restart Server', command: 'codecoach.restartServer' },
        { label: '$(output) Open Logs', command: 'codecoach.openLogs' },
        { label: '$(gear) Settings', command: 'workbench.action.openSettings', args: ['@ext:code-coach.code-coach'] },
      ];
      const pick = await vscode.window.showQuickPick(items, { title: 'Code Coach' });
      if (pick?.command) await vscode.commands.executeCommand(pick.command, ...(pick.args ?? []));
    }),
    vscode.commands.registerCommand('codecoach.openPractice', async () => {
      const doc = await vscode.workspace.openTextDocument({ language: 'python', content: PRACTICE });
      await vscode.window.showTextDocument(doc);
    }),
  );
}
