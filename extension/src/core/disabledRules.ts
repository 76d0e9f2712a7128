// `codecoach.disabledRules` as lists: turning a rule off and on, and where to
// write it. The setting travels to the server with every configuration push.

/** Rule ids as the setting stores them: upper case, unique, sorted. */
export function normalizeRules(value: unknown): string[] {
  const list = Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  return [...new Set(list.map((r) => r.trim().toUpperCase()).filter(Boolean))].sort();
}

export function withRule(list: unknown, rule: string): string[] {
  return normalizeRules([...normalizeRules(list), rule]);
}

export function withoutRule(list: unknown, rule: string): string[] {
  const id = rule.trim().toUpperCase();
  return normalizeRules(list).filter((r) => r !== id);
}

export type Target = 'global' | 'workspace' | 'workspaceFolder';

/**
 * Where a change takes effect: the user settings, unless the workspace (or
 * folder) sets the list itself, since a user value would then be hidden by it.
 */
export function targetFor(inspect: { workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined): Target {
  if (inspect?.workspaceFolderValue !== undefined) return 'workspaceFolder';
  if (inspect?.workspaceValue !== undefined) return 'workspace';
  return 'global';
}
