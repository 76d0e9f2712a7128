// A cloud problem (a rejected key, an unreachable Gemini, a replaced model) is
// said once, in one notification with the action that fixes it; the status bar
// keeps saying it quietly. Status messages repeat; the notification does not.

import * as vscode from 'vscode';
import { CoachStatus, Notice, NoticeMemory } from './core/status';

const ACTIONS: Record<Notice['actions'][number], () => Thenable<unknown>> = {
  'Set Gemini API Key': () => vscode.commands.executeCommand('codecoach.setApiKey'),
  'Stay Offline': () => vscode.commands.executeCommand('codecoach.stayOffline'),
  'Open Logs': () => vscode.commands.executeCommand('codecoach.openLogs'),
  'Open Settings': () => vscode.commands.executeCommand('workbench.action.openSettings', 'codecoach.cloud.model'),
};

export class CloudNotices {
  private readonly memory = new NoticeMemory();

  /** A status from the server: show what it newly has to say. */
  onStatus(status: CoachStatus): void {
    for (const notice of this.memory.take(status)) {
      void vscode.window.showWarningMessage(notice.message, ...notice.actions).then((choice) => (choice ? ACTIONS[choice]() : undefined));
    }
  }

  /** The server restarted (a new key, cloud switched on): its problems may be told again. */
  onServerStarting(): void {
    this.memory.reset();
  }
}
