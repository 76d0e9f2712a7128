// Code Coach: the thin client. This file only wires the parts together: the
// language client (client.ts), the status bar and its notices, and the
// commands (one file per group). All analysis lives in the server.

import * as vscode from 'vscode';
import { CoachClient } from './client';
import { registerCloudCommands } from './cloudCommands';
import { CloudNotices } from './cloudNotices';
import { parseStatus } from './core/status';
import { watchPythonInterpreter } from './pythonWatch';
import { registerReportCommands } from './reports';
import { registerRuleCommands } from './rules';
import { ApiKeyStore } from './secrets';
import { ServerCommands } from './serverCommands';
import { CoachStatusBar } from './statusBar';
import { registerStatusMenu } from './statusMenu';

let coach: CoachClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('Code Coach', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const statusBar = new CoachStatusBar();
  const notices = new CloudNotices();
  const client = new CoachClient(context, log, keys);
  coach = client;
  context.subscriptions.push(log, statusBar, client);
  context.subscriptions.push(
    client.onDidChangeState((e) => {
      statusBar.setClientState(e.state, e.detail);
      if (e.state === 'starting') notices.onServerStarting();
    }),
    client.onStatus((params) => {
      const status = parseStatus(params); // once, for both
      statusBar.setServerStatus(status);
      notices.onStatus(status);
    }),
  );
  log.info(`Code Coach ${context.extension.packageJSON.version} activating (VS Code ${vscode.version}).`);

  registerReportCommands(context, new ServerCommands(client, log), log);
  registerRuleCommands(context);
  registerCloudCommands(context, keys);
  registerStatusMenu(context, keys);
  context.subscriptions.push(
    vscode.commands.registerCommand('codecoach.restartServer', () => client.restart('requested from the command palette')),
    vscode.commands.registerCommand('codecoach.openLogs', () => log.show()),
  );
  watchPythonInterpreter(context, client);

  // Not awaited: a first-run install can take a while and must not hold up activation.
  void client.start();
}

export async function deactivate(): Promise<void> {
  await coach?.stop();
}
