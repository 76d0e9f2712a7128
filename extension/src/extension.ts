// Code Coach: the thin client. Starts the Python language server, wires the
// commands, the status bar and the webviews. All analysis lives in the server.

import * as vscode from 'vscode';
import { CoachClient, CommandNotSupported } from './client';
import { ApiKeyStore, looksLikeGoogleKey } from './secrets';
import { CoachStatusBar } from './statusBar';
import { Period, ReportPanel, SummaryPanel, markdownToHtml } from './panels';
import { escapeHtml, renderInsights, renderRecommendations } from './core/render';

let coach: CoachClient | undefined;

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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Code Coach', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const statusBar = new CoachStatusBar();
  const client = new CoachClient(context, log, keys);
  coach = client;
  context.subscriptions.push(log, statusBar, client);
  context.subscriptions.push(
    client.onDidChangeState((e) => statusBar.setClientState(e.state, e.detail)),
    client.onStatus((params) => statusBar.setServerStatus(params)),
  );
  log.info(`Code Coach ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}).`);

  const uri = context.extensionUri;

  /** Run a server command and show failures the same way everywhere. */
  async function serverCommand(title: string, command: string, args: unknown[] = []): Promise<unknown | undefined> {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Code Coach: ${title}…` },
        () => client.executeCommand(command, args),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log.error(`${title}: ${message}`);
      throw error instanceof CommandNotSupported ? error : new Error(message);
    }
  }

  const register = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register('codecoach.openSummary', () => {
    SummaryPanel.show(uri, (period: Period) => serverCommand('learning summary', 'codecoach.showSummary', [{ period }]), log);
  });

  register('codecoach.openRecommendations', async () => {
    try {
      const data = await serverCommand('recommendations', 'codecoach.showRecommendations');
      ReportPanel.show(uri, 'recommendations', 'Recommendations', renderRecommendations(data));
    } catch (error) {
      ReportPanel.error(uri, 'recommendations', 'Recommendations', String((error as Error).message ?? error));
    }
  });

  register('codecoach.openInsights', async () => {
    try {
      const data = await serverCommand('insights', 'codecoach.showInsights');
      ReportPanel.show(uri, 'insights', 'Insights', renderInsights(data));
    } catch (error) {
      ReportPanel.error(uri, 'insights', 'Insights', String((error as Error).message ?? error));
    }
  });

  register('codecoach.explainSelection', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'python') {
      void vscode.window.showInformationMessage('Code Coach: select some Python code first, then run "Explain Selection".');
      return;
    }
    const sel = editor.selection.isEmpty ? editor.document.lineAt(editor.selection.active.line).range : editor.selection;
    const range = { start: { line: sel.start.line, character: sel.start.character }, end: { line: sel.end.line, character: sel.end.character } };
    try {
      const data = (await serverCommand('explanation', 'codecoach.explain', [{ uri: editor.document.uri.toString(), range }])) as Record<string, unknown> | null;
      const markdown = data && typeof data.markdown === 'string' ? data.markdown : '';
      const rule = data && typeof data.rule === 'string' ? data.rule : '';
      let body = markdown ? await markdownToHtml(markdown) : '<p class="empty">Nothing to explain here.</p>';
      if (rule) {
        const link = (helpful: boolean) =>
          `command:codecoach.feedback?${encodeURIComponent(JSON.stringify([{ rule, helpful }]))}`;
        body += `<p class="feedback">Was this helpful? <a href="${escapeHtml(link(true))}">Yes</a> · <a href="${escapeHtml(link(false))}">No</a></p>`;
      }
      ReportPanel.show(uri, 'explain', 'Explanation', `<article class="explanation">${body}</article>`, ['codecoach.feedback']);
    } catch (error) {
      ReportPanel.error(uri, 'explain', 'Explanation', String((error as Error).message ?? error));
    }
  });

  register('codecoach.setApiKey', async () => {
    const value = await vscode.window.showInputBox({
      title: 'Code Coach: Gemini API key',
      prompt: 'Paste your Google Gemini API key. It is kept in the editor\'s secret storage and only handed to the Code Coach server.',
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'AIza…',
      validateInput: (v) => (v.trim() ? undefined : 'The key cannot be empty.'),
    });
    if (!value) return;
    await keys.set(value);
    if (!looksLikeGoogleKey(value)) {
      void vscode.window.showWarningMessage('Code Coach: saved, but this does not look like a Google API key (they start with "AIza").');
    }
    const config = vscode.workspace.getConfiguration('codecoach');
    if (!config.get<boolean>('cloud.enabled')) {
      const choice = await vscode.window.showInformationMessage(
        'Code Coach: key saved. Turn on cloud analysis now? Settled code changes will be sent to Gemini (secrets are redacted first).',
        'Turn On',
        'Not Now',
      );
      if (choice === 'Turn On') await config.update('cloud.enabled', true, vscode.ConfigurationTarget.Global);
    } else {
      void vscode.window.showInformationMessage('Code Coach: key saved; the coach restarts with it.');
    }
  });

  register('codecoach.clearApiKey', async () => {
    await keys.clear();
    const config = vscode.workspace.getConfiguration('codecoach');
    if (config.get<boolean>('cloud.enabled')) await config.update('cloud.enabled', false, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage('Code Coach: API key removed. The coach works offline.');
  });

  register('codecoach.toggleCloud', async () => {
    const config = vscode.workspace.getConfiguration('codecoach');
    const enable = !config.get<boolean>('cloud.enabled');
    if (enable && !(await keys.has())) {
      const choice = await vscode.window.showInformationMessage('Code Coach: cloud analysis needs a Gemini API key.', 'Set Key');
      if (choice === 'Set Key') await vscode.commands.executeCommand('codecoach.setApiKey');
      return;
    }
    await config.update('cloud.enabled', enable, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage(`Code Coach: cloud analysis ${enable ? 'on (Gemini)' : 'off (offline)'}.`);
  });

  register('codecoach.stayOffline', async () => {
    const config = vscode.workspace.getConfiguration('codecoach');
    if (config.get<boolean>('cloud.enabled')) await config.update('cloud.enabled', false, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage('Code Coach works offline: nothing leaves this machine. You can add a Gemini key any time.');
  });

  register('codecoach.restartServer', () => client.restart('requested from the command palette'));
  register('codecoach.openLogs', () => log.show());

  register('codecoach.openPractice', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: PRACTICE });
    await vscode.window.showTextDocument(doc);
  });

  register('codecoach.statusMenu', async () => {
    const config = vscode.workspace.getConfiguration('codecoach');
    const cloud = config.get<boolean>('cloud.enabled');
    const hasKey = await keys.has();
    const items: Array<vscode.QuickPickItem & { command?: string; args?: unknown[] }> = [
      { label: '$(graph) Show Learning Summary', command: 'codecoach.openSummary' },
      { label: '$(book) Show Recommendations', command: 'codecoach.openRecommendations' },
      { label: '$(lightbulb) Show Insights', command: 'codecoach.openInsights' },
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: cloud ? '$(cloud) Turn Cloud Analysis Off' : '$(cloud) Turn Cloud Analysis On', description: cloud ? 'now: Gemini' : 'now: offline', command: 'codecoach.toggleCloud' },
      hasKey ? { label: '$(key) Clear API Key', command: 'codecoach.clearApiKey' } : { label: '$(key) Set Gemini API Key', command: 'codecoach.setApiKey' },
      { label: '', kind: vscode.QuickPickItemKind.Separator },
      { label: '$(debug-restart) Restart Server', command: 'codecoach.restartServer' },
      { label: '$(output) Open Logs', command: 'codecoach.openLogs' },
      { label: '$(gear) Settings', command: 'workbench.action.openSettings', args: ['@ext:code-coach.code-coach'] },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: 'Code Coach' });
    if (pick?.command) await vscode.commands.executeCommand(pick.command, ...(pick.args ?? []));
  });

  // Restart when the Python extension's selected interpreter changes (if it is installed).
  const pythonExt = vscode.extensions.getExtension('ms-python.python');
  if (pythonExt) {
    void Promise.resolve(pythonExt.isActive ? pythonExt.exports : pythonExt.activate()).then(
      (api: any) => {
        const event = api?.environments?.onDidChangeActiveEnvironmentPath;
        if (typeof event === 'function') {
          context.subscriptions.push(event(() => {
            const config = vscode.workspace.getConfiguration('codecoach');
            if (!config.get('server.python') && !config.get('python.interpreter')) void client.restart('the selected Python interpreter changed');
          }));
        }
      },
      () => undefined,
    );
  }

  // Not awaited: a first-run install can take a while and must not hold up activation.
  void client.start();
}

export async function deactivate(): Promise<void> {
  await coach?.stop();
}
