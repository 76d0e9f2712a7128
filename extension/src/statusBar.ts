// The status-bar item: the coach's state (offline / Gemini / quota reached until
// HH:MM) from `codecoach/status`, or the client's own lifecycle; click for a menu.

import * as vscode from 'vscode';
import { ClientState, CoachStatus, StatusView, clientStatusView, statusView } from './core/status';

export class CoachStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private lastServerView: StatusView | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('codecoach.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Code Coach';
    this.item.command = 'codecoach.statusMenu';
    this.apply(clientStatusView('starting'));
    this.item.show();
  }

  setClientState(state: ClientState, detail?: string): void {
    if (state === 'running') {
      // Keep the server's last word if it already spoke; otherwise a neutral "running".
      this.apply(this.lastServerView ?? clientStatusView('running'));
      return;
    }
    if (state === 'stopped' || state === 'error') this.lastServerView = undefined;
    this.apply(clientStatusView(state, detail));
  }

  setServerStatus(status: CoachStatus): void {
    this.lastServerView = statusView(status);
    this.apply(this.lastServerView);
  }

  private apply(view: StatusView): void {
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.background ? new vscode.ThemeColor(view.background) : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
