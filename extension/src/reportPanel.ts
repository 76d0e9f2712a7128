// Script-free pages: insights, recommendations, explanations. One page per
// kind, reused, opened beside the code without taking the focus from it.

import * as vscode from 'vscode';
import { page, renderError } from './core/html';

/**
 * Where a page opens: the group right of the code (created if needed), whichever
 * page had the focus, so every Code Coach page shares one column beside the editor.
 */
export function besideTheCode(): vscode.ViewColumn {
  const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  return editor?.viewColumn ? editor.viewColumn + 1 : vscode.ViewColumn.Beside;
}

export class ReportPanel {
  private static readonly panels = new Map<string, vscode.WebviewPanel>();

  /** `commandUris`: the commands the page's own links may run (none from server text: see html.ts). */
  static show(extensionUri: vscode.Uri, kind: string, title: string, bodyHtml: string, commandUris: string[] = []): void {
    let panel = ReportPanel.panels.get(kind);
    if (!panel) {
      panel = vscode.window.createWebviewPanel(`codecoach.${kind}`, title, { viewColumn: besideTheCode(), preserveFocus: true }, {
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
    webview.html = page({ title, cspSource: webview.cspSource, styleUris: [css], body: `<main class="report report-${kind}">${bodyHtml}</main>` });
  }

  static error(extensionUri: vscode.Uri, kind: string, title: string, message: string): void {
    ReportPanel.show(extensionUri, kind, title, renderError(title, message));
  }
}
