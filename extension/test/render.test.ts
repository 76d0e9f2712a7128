import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csp, escapeHtml, labelFor, page, renderInsights, renderRecommendations, renderValue, safeUrl } from '../src/core/render.ts';

test('escaping and URL safety', () => {
  assert.equal(escapeHtml('<img src=x onerror="a">&\''), '&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;');
  assert.equal(safeUrl('javascript:alert(1)'), undefined);
  assert.equal(safeUrl('https://docs.python.org/3/tutorial/'), 'https://docs.python.org/3/tutorial/');
  assert.equal(safeUrl(42), undefined);
});

test('the CSP allows no network and scripts only by nonce', () => {
  const policy = csp('vscode-webview://abc', 'n0nce');
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'nonce-n0nce'/);
  assert.ok(!/unsafe-inline|unsafe-eval|https:/.test(policy));
  assert.match(csp('x'), /script-src 'none'/);
  assert.match(page({ title: 't', cspSource: 'x', styleUris: [], body: '' }), /Content-Security-Policy/);
});

test('recommendations render as cards with safe links', () => {
  const html = renderRecommendations({ items: [
    { title: 'For loops', url: 'https://docs.python.org/3/tutorial/controlflow.html', why: 'You used <range(len)>', concept: 'loops', rule: 'CC301' },
    { title: 'Bad', url: 'javascript:alert(1)' },
  ] });
  assert.match(html, /<a href="https:\/\/docs\.python\.org\/3\/tutorial\/controlflow\.html">For loops<\/a>/);
  assert.match(html, /You used &lt;range\(len\)&gt;/);
  assert.ok(!html.includes('javascript:'));
  assert.match(html, /CC301/);
});

test('insights render files, mistakes and the workspace generically', () => {
  const html = renderInsights({
    files: [{ file: 'lesson.py', topics: ['loops', 'strings'], keyMistakes: [{ rule: 'CC102', message: 'is vs ==', count: 2 }], difficulty: 'medium' }],
    workspace: { filesAnalyzed: 3, hardest: { file: 'a.py' } },
  });
  assert.match(html, /lesson\.py/);
  assert.match(html, /Difficulty: medium/);
  assert.match(html, /<code>CC102<\/code>/);
  assert.match(html, /Files analyzed/);
});

test('empty or odd shapes never throw', () => {
  for (const raw of [undefined, null, 'x', [], {}, { items: 'no' }, { files: [null, 3] }]) {
    assert.equal(typeof renderRecommendations(raw), 'string');
    assert.equal(typeof renderInsights(raw), 'string');
  }
  assert.match(renderRecommendations({}), /No recommendations yet/);
  assert.match(renderInsights({}), /No insights yet/);
});

test('generic rendering: tables for lists of objects, chips for lists of scalars', () => {
  assert.match(renderValue([{ a: 1 }, { b: 2 }]), /<table>.*<th>A<\/th><th>B<\/th>/s);
  assert.match(renderValue(['x', 'y']), /class="chip"/);
  assert.match(renderValue({ keyMistakes: [] }), /Key mistakes/);
  assert.equal(labelFor('callsLeftToday'), 'Calls left today');
  let deep: unknown = 1;
  for (let i = 0; i < 20; i++) deep = { d: deep };
  assert.match(renderValue(deep), /…/);
});
