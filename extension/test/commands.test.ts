import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { keyShapeProblem, looksLikeGoogleKey } from '../src/core/apiKey.ts';
import { CODE_ACTION_COMMANDS, toClientCommand } from '../src/core/codeActions.ts';
import { normalizeRules, targetFor, withRule, withoutRule } from '../src/core/disabledRules.ts';
import { withoutRepeatedHeadings } from '../src/core/hover.ts';
import { displayPath } from '../src/core/paths.ts';
import { relativeTime } from '../src/core/time.ts';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test('Quick Fix actions run client commands that open pages and write settings (issue 16 item 2)', () => {
  const explain = toClientCommand({ title: 'Explain this mistake (CC102)', command: 'codecoach.explain', arguments: [{ uri: 'file:///a.py', range: {} }] });
  assert.deepEqual(explain, { title: 'Explain this mistake (CC102)', command: 'codecoach.explainDiagnostic', arguments: [{ uri: 'file:///a.py', range: {} }] });
  assert.equal(toClientCommand({ title: 'r', command: 'codecoach.showRecommendations', arguments: [{ concept: 'loops' }] }).command, 'codecoach.openRecommendations');
  assert.equal(toClientCommand({ title: 'd', command: 'codecoach.disableRule', arguments: [{ rule: 'CC201' }] }).command, 'codecoach.turnOffRule');
  assert.equal(toClientCommand({ title: 'x', command: 'editor.action.quickFix' }).command, 'editor.action.quickFix');
  // Never a server command id: vscode-languageclient registers those itself, and a second registration collides.
  for (const target of Object.values(CODE_ACTION_COMMANDS)) assert.ok(!(target in CODE_ACTION_COMMANDS), target);
  const palette = manifest.contributes.commands.map((c: { command: string }) => c.command);
  assert.ok(palette.includes('codecoach.openRecommendations') && palette.includes('codecoach.manageDisabledRules'));
});

test('hovers drop the heading VS Code already shows as the diagnostic (issue 16 item 8)', () => {
  const md = '*You met this before: 2 days ago*\n\n**CC102: `is` checks identity**\n\n**Why it matters.** …\n\n---\n\n**CC201: other**\n\n**Why it matters.** …';
  const shown = [{ code: 'CC102', message: '`is` checks identity' }];
  assert.equal(withoutRepeatedHeadings(md, shown), '*You met this before: 2 days ago*\n\n**Why it matters.** …\n\n---\n\n**CC201: other**\n\n**Why it matters.** …');
  assert.equal(withoutRepeatedHeadings(md, []), md);
  assert.equal(withoutRepeatedHeadings(md, [{ code: 'CC999', message: 'x' }]), md);
});

test('disabled rules: upper case, unique, sorted; written where they take effect', () => {
  assert.deepEqual(withRule(['cc103', 'CC103', 7], 'cc201'), ['CC103', 'CC201']);
  assert.deepEqual(withoutRule(['CC103', 'CC201'], 'cc201'), ['CC103']);
  assert.deepEqual(normalizeRules('CC1'), []);
  assert.equal(targetFor(undefined), 'global');
  assert.equal(targetFor({ workspaceValue: undefined }), 'global');
  assert.equal(targetFor({ workspaceValue: ['CC103'] }), 'workspace');
  assert.equal(targetFor({ workspaceValue: [], workspaceFolderValue: ['CC1'] }), 'workspaceFolder');
});

test('the key is checked in the input box itself (issue 16 item 4)', () => {
  const good = 'AIza' + 'Sy0_-'.repeat(7); // built here so no key-shaped literal is tracked
  assert.equal(good.length, 39);
  assert.equal(keyShapeProblem(good), undefined);
  assert.ok(looksLikeGoogleKey(`  ${good}\n`));
  assert.match(keyShapeProblem('')!, /Paste the key/);
  assert.match(keyShapeProblem('sk-proj-abcdef')!, /start with "AIza"/);
  assert.match(keyShapeProblem(good.slice(0, 30))!, /39 characters; this one has 30/);
  assert.match(keyShapeProblem(`${good.slice(0, 20)} ${good.slice(20)}`)!, /no spaces/);
  assert.match(keyShapeProblem(`${good.slice(0, 38)}!`)!, /only letters, digits/);
});

test('times and file names as a learner says them', () => {
  const now = new Date('2026-12-01T10:30:00Z');
  assert.equal(relativeTime('2026-12-01T10:29:40Z', now, 'UTC'), 'just now');
  assert.equal(relativeTime('2026-12-01T10:18:00Z', now, 'UTC'), '12 minutes ago');
  assert.equal(relativeTime('2026-12-01T10:29:00Z', now, 'UTC'), '1 minute ago');
  assert.equal(relativeTime('2026-12-01T08:00:00Z', now, 'UTC'), '2 hours ago');
  assert.equal(relativeTime('2026-12-01T01:05:00Z', now, 'UTC'), 'today at 01:05');
  assert.equal(relativeTime('2026-11-30T22:05:00Z', now, 'UTC'), 'yesterday at 22:05');
  assert.equal(relativeTime('2026-11-27T10:00:00Z', now, 'UTC'), '4 days ago');
  assert.equal(relativeTime('2026-10-02T10:00:00Z', now, 'UTC'), 'on 2 Oct');
  assert.equal(relativeTime('yesterday', now), '');
  assert.equal(relativeTime(null, now), '');
  assert.equal(displayPath('file:///home/ana/course/week%201/a.py', ['/home/ana/course']), 'week 1/a.py');
  assert.equal(displayPath('/home/ana/course/a.py', ['/home/ana/course/']), 'a.py');
  assert.equal(displayPath('/elsewhere/project/main.py', ['/home/ana/course']), 'project/main.py');
  assert.equal(displayPath('untitled:Untitled-1', []), 'Untitled-1');
  assert.equal(displayPath('file:///C:/Users/ana/a.py', ['C:\\Users\\ana']), 'a.py');
});
