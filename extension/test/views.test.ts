import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderExplanation, feedbackLink } from '../src/core/explanationView.ts';
import { difficultyMeter, evidenceText, renderInsights } from '../src/core/insightsView.ts';
import { markdownToHtml, splitCodeSpans } from '../src/core/markdown.ts';
import { Explanation, Insights, Recommendations } from '../src/core/payloads.ts';
import { renderRecommendations } from '../src/core/recommendationsView.ts';
import { check } from '../src/core/shape.ts';

const NOW = new Date('2026-12-01T10:30:00Z');
const ctx = { folders: ['/home/ana/course'], now: NOW, timeZone: 'UTC' };
const mistake = { rule: 'CC102', message: '`is` checks identity, not equality', count: 2 };

const INSIGHTS = check(Insights, {
  files: [{
    file: 'file:///home/ana/course/week1/lesson.py', topics: ['Comparisons', 'Loops'], keyMistakes: [mistake], difficulty: 3, uses: 14,
    openConfusion: [{ rule: 'CC102', message: '`is` checks identity, not equality', line: 3 }], lastAnalysis: '2026-12-01T10:18:00+00:00', source: 'open',
  }],
  workspace: {
    keyMistakes: [mistake], topics: ['Comparisons'],
    topicDifficulty: [{ concept: 'comparisons', label: 'Comparisons', difficulty: 3, struggles: 1, uses: 1 }],
    lastAnalysis: '2026-12-01T10:18:00+00:00', difficultyNote: 'Difficulty 1-5 is struggles / (uses + 4)…',
  },
}).value;

test('insights read like words, not a data dump (issue 16 item 5)', () => {
  const html = renderInsights(INSIGHTS, ctx);
  assert.match(html, />week1\/lesson\.py</, 'a workspace-relative name');
  assert.doesNotMatch(html, /file:\/\//);
  assert.match(html, /Analyzed 12 minutes ago/);
  assert.doesNotMatch(html, /2026-12-01T/, 'no ISO timestamps');
  assert.doesNotMatch(html, /Source|>open</, 'no "Source: open"');
  assert.doesNotMatch(html, />comparisons</, 'labels, not internal ids');
  assert.match(html, /<code>is<\/code> checks identity/, 'backticks become code');
  assert.match(html, /class="info"[^>]*title="Difficulty 1-5 is struggles \/ \(uses \+ 4\)…"/, 'the formula behind an info tooltip');
  assert.doesNotMatch(html.replace(/title="[^"]*"|aria-label="[^"]*"/g, ''), /uses \+ 4/, 'and not as text');
  assert.match(html, /rests on 1 mistake in 1 use: too early to tell much/);
  assert.match(html, /rests on 1 open mistake in 14 uses/);
  assert.match(html, /<table class="fit">/, 'tables that fit a narrow column');
});

test('difficulty in words, and evidence said plainly', () => {
  assert.match(difficultyMeter(3), /3 of 5 · some trouble/);
  assert.equal((difficultyMeter(4).match(/dot on/g) ?? []).length, 4);
  assert.match(difficultyMeter(0), /1 of 5/);
  assert.equal(evidenceText(2, 10), 'rests on 2 mistakes in 10 uses');
  assert.equal(evidenceText(0, 1), 'rests on 0 mistakes in 1 use: too early to tell much');
});

test('insights without anything say how to get some', () => {
  assert.match(renderInsights(check(Insights, {}).value, ctx), /No insights yet/);
});

test('recommendations: cards with safe links, labels and who suggested them', () => {
  const data = check(Recommendations, { items: [
    { title: 'For loops', url: 'https://docs.python.org/3/tutorial/controlflow.html', why: 'You used `range(len(x))`', concept: 'loops', rule: 'CC301', label: 'Loops', id: 'x', score: 1 },
    { title: 'A tailored one', url: 'http://example.com/x', why: 'Because', concept: 'string-methods', rule: '', source: 'tailored' },
  ] }).value;
  const html = renderRecommendations(data);
  assert.match(html, /<a href="https:\/\/docs\.python\.org\/3\/tutorial\/controlflow\.html">For loops<\/a>/);
  assert.match(html, /You used <code>range\(len\(x\)\)<\/code>/);
  assert.match(html, /<span class="chip">Loops<\/span><span class="chip">CC301<\/span>/);
  assert.match(html, /<span class="chip">String methods<\/span>/, 'a label when the item has none');
  assert.match(html, /Suggested by Gemini/);
  assert.doesNotMatch(html, /http:\/\/example/, 'http links are dropped');
  assert.match(renderRecommendations(data, 'string-methods'), /Material on string methods/);
  assert.match(renderRecommendations(check(Recommendations, { items: [] }).value), /No recommendations yet/);
});

test('an explanation shows "Was this helpful?" for each rule it explains (issue 16 item 7)', () => {
  const one = renderExplanation(check(Explanation, { markdown: '**CC102: `is` vs `==`**\n\n**Why it matters.** text', rules: ['CC102'] }).value, 'file:///a.py');
  assert.match(one, /<strong>CC102: <code>is<\/code> vs <code>==<\/code><\/strong>/);
  assert.match(one, /Was this helpful\? <a href="command:codecoach\.rateExplanation\?[^"]+">Yes<\/a> · <a/);
  const link = decodeURIComponent(feedbackLink('CC102', false, 'file:///a.py').split('?')[1]);
  assert.deepEqual(JSON.parse(link), [{ rule: 'CC102', helpful: false, uri: 'file:///a.py' }]);
  const two = renderExplanation(check(Explanation, { markdown: 'x', rules: ['CC102', 'CC201', 'CC102'] }).value);
  assert.equal((two.match(/Was this helpful/g) ?? []).length, 2);
  const code = renderExplanation(check(Explanation, { markdown: '**What this code uses**\n\n- **Loops** — [for](https://docs.python.org/3/): why', rules: [], concepts: ['loops'] }).value);
  assert.doesNotMatch(code, /Was this helpful/);
  assert.match(code, /<ul><li><strong>Loops<\/strong> — <a href="https:\/\/docs\.python\.org\/3\/">for<\/a>: why<\/li><\/ul>/);
});

test('markdown: the subset the server writes', () => {
  assert.equal(markdownToHtml('a\nb\n\n---\n\n*it* and _it_'), '<p>a b</p>\n<hr>\n<p><em>it</em> and <em>it</em></p>');
  assert.equal(markdownToHtml('```python\nif x is 1:\n```'), '<pre><code>if x is 1:</code></pre>');
  assert.equal(markdownToHtml('1. one\n2. two'), '<ol><li>one</li><li>two</li></ol>');
  assert.equal(markdownToHtml('## Title'), '<h3>Title</h3>');
  assert.deepEqual(splitCodeSpans('a `b` c'), [{ code: false, text: 'a ' }, { code: true, text: 'b' }, { code: false, text: ' c' }]);
  assert.deepEqual(splitCodeSpans('``a ` b``'), [{ code: true, text: 'a ` b' }]);
  assert.deepEqual(splitCodeSpans('a ` b'), [{ code: false, text: 'a ` b' }], 'a lone backtick is text');
  assert.deepEqual(splitCodeSpans('`` `x` ``'), [{ code: true, text: '`x`' }], 'one space either side is padding');
});
