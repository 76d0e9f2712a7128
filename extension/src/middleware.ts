// vscode-languageclient middleware: the two places where VS Code needs the
// server's answers shaped for it. Quick Fix actions run client commands (which
// open pages and write settings; see core/codeActions.ts), and hovers drop the
// heading that repeats the diagnostic VS Code shows right above them.

import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { toClientCommand } from './core/codeActions';
import { withoutRepeatedHeadings } from './core/hover';

const SOURCE = 'Code Coach';

function rewrite(action: vscode.CodeAction | vscode.Command): vscode.CodeAction | vscode.Command {
  if (!(action instanceof vscode.CodeAction)) return toClientCommand(action);
  if (action.command) {
    const command = toClientCommand(action.command);
    // "Don't show … again" keeps one message of the rule, so the list of disabled rules can say what it was.
    if (command.command === 'codecoach.turnOffRule' && action.diagnostics?.[0]) {
      command.arguments = [{ ...(command.arguments?.[0] as object), example: action.diagnostics[0].message }];
    }
    action.command = command;
  }
  return action;
}

function plainHover(hover: vscode.Hover, document: vscode.TextDocument, position: vscode.Position): vscode.Hover {
  const shown = vscode.languages
    .getDiagnostics(document.uri)
    .filter((d) => d.source === SOURCE && d.range.contains(position))
    .map((d) => ({ code: String(typeof d.code === 'object' ? d.code.value : d.code ?? ''), message: d.message }));
  if (!shown.length) return hover;
  const contents = hover.contents.map((c) => {
    if (!(c instanceof vscode.MarkdownString)) return c;
    const value = withoutRepeatedHeadings(c.value, shown);
    if (value === c.value) return c;
    const md = new vscode.MarkdownString(value, c.supportThemeIcons);
    md.isTrusted = c.isTrusted;
    md.supportHtml = c.supportHtml;
    return md;
  });
  return new vscode.Hover(contents, hover.range);
}

export const middleware: Middleware = {
  async provideCodeActions(document, range, context, token, next) {
    const actions = await next(document, range, context, token);
    return actions?.map(rewrite);
  },
  async provideHover(document, position, token, next) {
    const hover = await next(document, position, token);
    return hover ? plainHover(hover, document, position) : hover;
  },
};
