// Turning rules off and on again. "Don't show CC201 again" (a Quick Fix) writes
// `codecoach.disabledRules`, says so, and offers Undo; "Manage Disabled Rules"
// lists them to turn back on. The server hears of it through the ordinary
// configuration push (client.ts), like any other setting change.

import * as vscode from 'vscode';
import { normalizeRules, targetFor, withRule, withoutRule } from './core/disabledRules';

const SETTING = 'disabledRules';
/** rule -> one message it showed, so the list says what each rule was about. */
const EXAMPLES = 'codecoach.disabledRuleExamples';

const TARGETS = {
  global: vscode.ConfigurationTarget.Global,
  workspace: vscode.ConfigurationTarget.Workspace,
  workspaceFolder: vscode.ConfigurationTarget.WorkspaceFolder,
} as const;

async function update(change: (list: string[]) => string[]): Promise<string[]> {
  const config = vscode.workspace.getConfiguration('codecoach');
  const next = change(normalizeRules(config.get(SETTING)));
  const target = targetFor(config.inspect(SETTING));
  // An empty user list is removed rather than left behind as []; a workspace's [] still means "none here".
  await config.update(SETTING, next.length || target !== 'global' ? next : undefined, TARGETS[target]);
  return next;
}

export function registerRuleCommands(context: vscode.ExtensionContext): void {
  const examples = () => context.globalState.get<Record<string, string>>(EXAMPLES, {});

  async function turnOn(rules: string[]): Promise<void> {
    await update((list) => rules.reduce((l, r) => withoutRule(l, r), list));
  }

  const turnOff = async (arg?: { rule?: unknown; example?: unknown }) => {
    const rule = typeof arg?.rule === 'string' ? arg.rule.trim().toUpperCase() : '';
    if (!rule) return;
    if (typeof arg?.example === 'string' && arg.example) await context.globalState.update(EXAMPLES, { ...examples(), [rule]: arg.example });
    await update((list) => withRule(list, rule));
    const choice = await vscode.window.showInformationMessage(
      `Code Coach: ${rule} is turned off and will not be shown again. It is listed in the setting codecoach.disabledRules.`,
      'Undo',
      'Manage Disabled Rules',
    );
    if (choice === 'Undo') {
      await turnOn([rule]);
      void vscode.window.showInformationMessage(`Code Coach: ${rule} is back on.`);
    }
    if (choice === 'Manage Disabled Rules') await vscode.commands.executeCommand('codecoach.manageDisabledRules');
  };

  const manage = async () => {
    const disabled = normalizeRules(vscode.workspace.getConfiguration('codecoach').get(SETTING));
    if (!disabled.length) {
      void vscode.window.showInformationMessage('Code Coach: no rules are turned off. "Don\'t show … again" in a Quick Fix turns one off.');
      return;
    }
    const known = examples();
    const picks = await vscode.window.showQuickPick(
      disabled.map((rule) => ({ label: rule, description: 'turned off', detail: known[rule] ? `e.g. ${known[rule]}` : undefined, rule })),
      { title: 'Code Coach: disabled rules', placeHolder: 'Pick the rules to turn back on', canPickMany: true, ignoreFocusOut: true },
    );
    if (!picks?.length) return;
    await turnOn(picks.map((p) => p.rule));
    void vscode.window.showInformationMessage(`Code Coach: ${picks.map((p) => p.rule).join(', ')} ${picks.length === 1 ? 'is' : 'are'} back on.`);
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('codecoach.turnOffRule', turnOff),
    vscode.commands.registerCommand('codecoach.manageDisabledRules', manage),
  );
}
