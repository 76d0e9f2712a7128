// Restart the server when the Python extension's selected interpreter changes
// (if that extension is installed and no interpreter is set for the coach).

import * as vscode from 'vscode';
import { CoachClient } from './client';

export function watchPythonInterpreter(context: vscode.ExtensionContext, client: CoachClient): void {
  const pythonExt = vscode.extensions.getExtension('ms-python.python');
  if (!pythonExt) return;
  void Promise.resolve(pythonExt.isActive ? pythonExt.exports : pythonExt.activate()).then(
    (api: any) => {
      const event = api?.environments?.onDidChangeActiveEnvironmentPath;
      if (typeof event !== 'function') return;
      context.subscriptions.push(event(() => {
        const config = vscode.workspace.getConfiguration('codecoach');
        if (!config.get('server.python') && !config.get('python.interpreter')) void client.restart('the selected Python interpreter changed');
      }));
    },
    () => undefined,
  );
}
