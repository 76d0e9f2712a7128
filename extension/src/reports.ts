// The commands that open pages: Learning Summary, Insights, Recommendations
// (all of them, or for one concept: the "Recommendations for …" Quick Fix) and
// explanations (Explain Selection, and the "Explain this mistake" Quick Fix).

import * as vscode from 'vscode';
import { RATE_COMMAND, renderExplanation } from './core/explanationView';
import { renderInsights } from './core/insightsView';
import { Explanation, FeedbackRecorded, Insights, Recommendations } from './core/payloads';
import { renderRecommendations } from './core/recommendationsView';
import { ReportPanel } from './reportPanel';
import { ServerCommands, messageOf } from './serverCommands';
import { Period, SummaryPanel } from './summaryPanel';

type Range = { start: { line: number; character: number }; end: { line: number; character: number } };

export function registerReportCommands(context: vscode.ExtensionContext, server: ServerCommands, log: vscode.LogOutputChannel): void {
  const uri = context.extensionUri;
  const register = (id: string, fn: (...args: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  const folders = () => (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);

  register('codecoach.openSummary', () => {
    SummaryPanel.show(uri, (period: Period) => server.raw('learning summary', 'codecoach.showSummary', [{ period }]), log);
  });

  register('codecoach.openInsights', async () => {
    try {
      const data = await server.run('insights', 'codecoach.showInsights', Insights);
      ReportPanel.show(uri, 'insights', 'Insights', renderInsights(data, { folders: folders(), now: new Date() }));
    } catch (error) {
      ReportPanel.error(uri, 'insights', 'Insights', messageOf(error));
    }
  });

  register('codecoach.openRecommendations', async (arg?: { concept?: unknown }) => {
    const concept = typeof arg?.concept === 'string' && arg.concept ? arg.concept : undefined;
    try {
      const data = await server.run('recommendations', 'codecoach.showRecommendations', Recommendations, concept ? [{ concept }] : []);
      ReportPanel.show(uri, 'recommendations', 'Recommendations', renderRecommendations(data, concept));
    } catch (error) {
      ReportPanel.error(uri, 'recommendations', 'Recommendations', messageOf(error));
    }
  });

  async function explain(document: string, range: Range): Promise<void> {
    try {
      const data = await server.run('explanation', 'codecoach.explain', Explanation, [{ uri: document, range }]);
      ReportPanel.show(uri, 'explain', 'Explanation', renderExplanation(data, document), [RATE_COMMAND]);
    } catch (error) {
      ReportPanel.error(uri, 'explain', 'Explanation', messageOf(error));
    }
  }

  register('codecoach.explainSelection', async () => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'python') {
      void vscode.window.showInformationMessage('Code Coach: select some Python code first, then run "Explain Selection".');
      return;
    }
    const sel = editor.selection.isEmpty ? editor.document.lineAt(editor.selection.active.line).range : editor.selection;
    await explain(editor.document.uri.toString(), { start: { line: sel.start.line, character: sel.start.character }, end: { line: sel.end.line, character: sel.end.character } });
  });

  // The "Explain this mistake" Quick Fix: the server's own argument, {uri, range}.
  register('codecoach.explainDiagnostic', async (arg?: { uri?: unknown; range?: Range }) => {
    if (typeof arg?.uri !== 'string' || !arg.range) {
      log.error(`Explain this mistake: unexpected argument ${JSON.stringify(arg)}`);
      return;
    }
    await explain(arg.uri, arg.range);
  });

  // "Was this helpful?" on the explanation page.
  register(RATE_COMMAND, async (arg?: { rule?: unknown; helpful?: unknown; uri?: unknown }) => {
    if (typeof arg?.rule !== 'string' || typeof arg.helpful !== 'boolean') return;
    try {
      await server.run('feedback', 'codecoach.feedback', FeedbackRecorded, [{ rule: arg.rule, helpful: arg.helpful, uri: typeof arg.uri === 'string' ? arg.uri : '' }]);
      void vscode.window.showInformationMessage(arg.helpful ? 'Code Coach: thanks for the feedback.' : 'Code Coach: thanks. Recommendations for this mistake will now try another angle.');
    } catch (error) {
      void vscode.window.showWarningMessage(`Code Coach: the feedback was not saved (${messageOf(error)}).`);
    }
  });
}
