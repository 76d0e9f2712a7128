// Webviews: the learning summary (charts, script with a nonce) and the report
// pages for insights, recommendations and explanations (no script at all).

import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { buildSummaryModel } from './core/summaryModel';
import { escapeHtml, page, renderError } from './core/render';
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
    const panel = vscode.window.createWebviewPanel('codecoach.summary', 'Learning Summary', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'extension', 'out', 'webview'), vscode.Uri.joinPath(extensionUri, 'extension', 'media')],
    });
    SummaryPanel.current = new SummaryPanel(panel, extensionUri, fetch, log);
    return SummaryPanel.current;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly fetch: SummaryFetcher,
    private readonly log: vscode.LogOutputChannel,
  ) {
    panel.iconPath = new vscode.ThemeIcon('graph');
    const webview = panel.webview;
    const n = nonce();
    const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'extension', ...p)).toString();
    webview.html = page({
      title: 'Learning Summary',
      cspSource: webview.cspSource,
      styleUris: [media('media', 'common.css'), media('media', 'summary.css')],
      scriptUri: media('out', 'webview', 'summary.js'),
      nonce: n,
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
      const raw = await this.fetch(this.period);
      const model = buildSummaryModel(raw);
      await webview.postMessage({ type: 'model', model });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`Learning summary: ${message}`);
      await webview.postMessage({ type: 'error', message: `The summary could not be loaded. ${message}` });
    }
  }

  private dispose(): void {
    SummaryPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
  }
}

/** Script-free pages: insights, recommendations, explanations. One panel per kind, reused. */
export class ReportPanel {
  private static readonly panels = new Map<string, vscode.WebviewPanel>();

  static show(extensionUri: vscode.Uri, kind: string, title: string, bodyHtml: string, commandUris: string[] = []): void {
    let panel = ReportPanel.panels.get(kind);
    if (!panel) {
      panel = vscode.window.createWebviewPanel(`codecoach.${kind}`, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: false,
        enableCommandUris: commandUris,
        localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'extension', 'media')],
      });
      ReportPanel.panels.set(kind, panel);
      panel.onDidDispose(() => ReportPanel.panels.delete(kind));
    } else {
      panel.title = title;
      panel.reveal(undefined, true);
    }
    const webview = panel.webview;
    const css = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'extension', 'media', 'common.css')).toString();
    webview.html = page({ title, cspSource: webview.cspSource, styleUris: [css], body: `<main class="report">${bodyHtml}</main>` });
  }

  static error(extensionUri: vscode.Uri, kind: string, title: string, message: string): void {
    ReportPanel.show(extensionUri, kind, title, renderError(title, message));
  }
}

/** Markdown to HTML with the editor's own renderer; plain text if it is unavailable. */
export async function markdownToHtml(markdown: string): Promise<string> {
  try {
    const html = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
    if (typeof html === 'string' && html) return html;
  } catch {
    /* fall through */
  }
  return `<pre class="plain">${escapeHtml(markdown)}</pre>`;
}
