// The cloud's switches: set or clear the Gemini key (its shape checked while it
// is typed), turn cloud analysis on or off, stay offline.

import * as vscode from 'vscode';
import { keyShapeProblem } from './core/apiKey';
import { ApiKeyStore } from './secrets';

const cloudSetting = () => vscode.workspace.getConfiguration('codecoach');

async function setCloud(on: boolean): Promise<void> {
  const config = cloudSetting();
  if (config.get<boolean>('cloud.enabled') !== on) await config.update('cloud.enabled', on, vscode.ConfigurationTarget.Global);
}

export function registerCloudCommands(context: vscode.ExtensionContext, keys: ApiKeyStore): void {
  const register = (id: string, fn: () => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  register('codecoach.setApiKey', async () => {
    const value = await vscode.window.showInputBox({
      title: 'Code Coach: Gemini API key',
      prompt: "Paste your Google Gemini API key. It is kept in the editor's secret storage and only handed to the Code Coach server.",
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'AIza…',
      // Said in the box itself, and the box stays open: a wrong key is never saved.
      validateInput: (v) => {
        const problem = keyShapeProblem(v);
        return problem ? { message: problem, severity: vscode.InputBoxValidationSeverity.Error } : undefined;
      },
    });
    if (!value || keyShapeProblem(value)) return;
    await keys.set(value);
    if (!cloudSetting().get<boolean>('cloud.enabled')) {
      const choice = await vscode.window.showInformationMessage(
        'Code Coach: key saved. Turn on cloud analysis now? Settled code changes will be sent to Gemini (secrets are redacted first).',
        'Turn On',
        'Not Now',
      );
      if (choice === 'Turn On') await setCloud(true);
    } else {
      void vscode.window.showInformationMessage('Code Coach: key saved. The coach restarts and checks it with Google.');
    }
  });

  register('codecoach.clearApiKey', async () => {
    await keys.clear();
    await setCloud(false);
    void vscode.window.showInformationMessage('Code Coach: API key removed. The coach works offline.');
  });

  register('codecoach.toggleCloud', async () => {
    const enable = !cloudSetting().get<boolean>('cloud.enabled');
    if (enable && !(await keys.has())) {
      const choice = await vscode.window.showInformationMessage('Code Coach: cloud analysis needs a Gemini API key.', 'Set Gemini API Key');
      if (choice) await vscode.commands.executeCommand('codecoach.setApiKey');
      return;
    }
    await setCloud(enable);
    void vscode.window.showInformationMessage(enable ? 'Code Coach: cloud analysis on; the key is checked with Google first.' : 'Code Coach: cloud analysis off. Nothing leaves this machine.');
  });

  register('codecoach.stayOffline', async () => {
    await setCloud(false);
    void vscode.window.showInformationMessage('Code Coach works offline: nothing leaves this machine. You can add a Gemini key any time.');
  });
}
