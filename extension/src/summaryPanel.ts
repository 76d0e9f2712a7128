// The learning summary page: charts (a script with a nonce), opened beside the
// editor so the code stays in view. One page, reused; Today / This week ask the
// server again.

import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { page } from './core/html';
import { buildSummaryModel } from './core/summaryModel';
import { besideTheCode } from './reportPanel';
import { logMismatch, messageOf } from './serverCommands';
import { SUMMARY_BODY } from '../webview/summaryMarkup';

export type Period = 'day' | 'week';
export type SummaryFetcher = (period: Period) => Promise<unknown>;

function nonce(): string {
  return crypto.randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export class SummaryPanel {
  private static current: SummaryPanel | undefined;
  private period: Period = 'week';
  private readonly disposables: vscode.Disposable[] = [];

  static show(extensionUri: vscode.Uri, fetch: SummaryFetcher, log: vscode.LogOutputChannel): SummaryPanel {
    if (SummaryPanel.current) {
      SummaryPanel.current.panel.reveal();
      void SummaryPanel.current.refresh();
      return SummaryPanel.current;
    }
    const panel = vscode.window.createWebviewPanel('codecoach.summary', 'Learning Summary', besideTheCode(), {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'extension', 'out', 'webview'), vscode.Uri.joinPath(extensionUri, 'extension', 'media')],
    });
    SummaryPanel.current = new SummaryPanel(panel, extensionUri, fetch, log);
    return SummaryPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly fetch: SummaryFetcher,
    private readonly log: vscode.LogOutputChannel,
  ) {
    panel.iconPath = new vscode.ThemeIcon('graph');
    const webview = panel.webview;
    const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'extension', ...p)).toString();
    webview.html = page({
      title: 'Learning Summary',
      cspSource: webview.cspSource,
      styleUris: [media('media', 'common.css'), media('media', 'summary.css')],
      scriptUri: media('out', 'webview', 'summary.js'),
      nonce: nonce(),
      bodyAttrs: 'data-state="loading"',
      body: SUMMARY_BODY,
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((msg: { type?: string; period?: string }) => {
        if (msg?.type === 'ready') void this.refresh();
        if (msg?.type === 'period' && (msg.period === 'day' || msg.period === 'week')) {
          this.period = msg.period;
          void this.refresh();
        }
      }),
    );
  }

  async refresh(): Promise<void> {
    const webview = this.panel.webview;
    try {
      const model = buildSummaryModel(await this.fetch(this.period));
      logMismatch(this.log, 'Learning summary', model.problems);
      await webview.postMessage({ type: 'model', model });
    } catch (error) {
      const message = messageOf(error);
      this.log.error(`Learning summary: ${message}`);
      await webview.postMessage({ type: 'error', message: `The summary could not be loaded. ${message}` });
    }
  }

  private dispose(): void {
    SummaryPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}
