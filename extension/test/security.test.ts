// Issue 14 finding 6: learner code and model text reach the pages. Every way in
// is tried with hostile strings; none may produce markup, a script, a non-https
// link or a command: link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csp, escapeHtml, page, safeUrl } from '../src/core/html.ts';
import { inline, inlineCode, markdownToHtml } from '../src/core/markdown.ts';
import { renderExplanation } from '../src/core/explanationView.ts';
import { renderInsights } from '../src/core/insightsView.ts';
import { renderRecommendations } from '../src/core/recommendationsView.ts';
import { Explanation, Insights, Recommendations } from '../src/core/payloads.ts';
import { check } from '../src/core/shape.ts';

const HOSTILE = [
  '<script>alert(1)</script>',
  '<img src=x onerror="alert(1)">',
  '[Click to fix](command:codecoach.toggleCloud)',
  '[x](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)',
  '[docs](javascript:alert(1))',
  '[docs](http://evil.example/steal)',
  '[docs](data:text/html,<script>alert(1)</script>)',
  'or "<a href=https://evil.example>Click to fix</a>"',
  'a `code` then ` <b onmouseover=alert(1)>` and a stray ` backtick <i>',
  '``<svg onload=alert(1)>`` and `</code><script>x</script>`',
  '**<iframe src=https://evil.example>**',
  '[ok](https://docs.python.org/3/"><script>alert(1)</script>)',
  '<form action=https://evil.example><button>go</button></form>',
];

/** No element may come out of learner or model text except the few the renderer itself makes. */
function assertInert(html: string, where: string): void {
  const tags = [...html.matchAll(/<\s*([a-zA-Z][\w-]*)/g)].map((m) => m[1].toLowerCase());
  const allowed = new Set(['p', 'code', 'strong', 'em', 'a', 'ul', 'ol', 'li', 'pre', 'hr', 'h2', 'h3', 'h4', 'h5', 'h6', 'article', 'section', 'header', 'h1', 'div', 'span', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
  for (const t of tags) assert.ok(allowed.has(t), `${where}: unexpected <${t}> in ${html}`);
  // Attribute values are escaped text: look at the tags with their quoted values emptied.
  const tagsOnly = (html.match(/<[^>]*>/g) ?? []).map((t) => t.replace(/"[^"]*"/g, '""')).join('');
  assert.ok(!/\son\w+\s*=/i.test(tagsOnly), `${where}: an event handler attribute in ${html}`);
  for (const m of html.matchAll(/href="([^"]*)"/g)) {
    const href = m[1].replace(/&amp;/g, '&');
    assert.ok(href.startsWith('https://') || href.startsWith('command:codecoach.rateExplanation?'), `${where}: link ${href}`);
  }
}

test('safeUrl keeps https only', () => {
  assert.equal(safeUrl('https://docs.python.org/3/tutorial/'), 'https://docs.python.org/3/tutorial/');
  for (const bad of ['http://docs.python.org/3/', 'javascript:alert(1)', 'command:codecoach.toggleCloud', 'data:text/html,x', 'file:///etc/passwd', 'vscode://x', '//evil.example', 'https:', 42, undefined]) {
    assert.equal(safeUrl(bad), undefined, String(bad));
  }
});

test('the CSP: no network, scripts only by nonce, no form submission, no inline anything', () => {
  const policy = csp('vscode-webview://abc', 'n0nce');
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'nonce-n0nce'/);
  assert.match(policy, /form-action 'none'/);
  assert.ok(!/unsafe-inline|unsafe-eval|https:|http:/.test(policy));
  assert.match(csp('x'), /script-src 'none'/);
  assert.match(page({ title: '<t>', cspSource: 'x', styleUris: [], body: '' }), /<title>&lt;t&gt;<\/title>/);
});

test('hostile markdown (hover text, Gemini\'s take, explanations) renders inert', () => {
  for (const s of HOSTILE) {
    assertInert(markdownToHtml(s), `markdown ${s}`);
    assertInert(markdownToHtml(`- ${s}\n- **${s}**\n\n# ${s}\n\n\`\`\`\n${s}\n\`\`\``), `markdown blocks ${s}`);
    assertInert(inline(s), `inline ${s}`);
    assertInert(inlineCode(s), `inlineCode ${s}`);
    assert.ok(!inlineCode(s).includes('<script'), s);
  }
  assert.equal(inline('[Click to fix](command:codecoach.toggleCloud)'), 'Click to fix');
  assert.equal(inline('[docs](http://evil.example/steal)'), 'docs');
});

test('hostile server payloads render inert on every page', () => {
  for (const s of HOSTILE) {
    const explanation = check(Explanation, { markdown: `**CC102: ${s}**\n\n**Gemini's take**\n\n${s}`, rules: ['CC102', s] }).value;
    assertInert(renderExplanation(explanation, 'file:///w/a.py'), `explanation ${s}`);
    const recommendations = check(Recommendations, { items: [{ title: s, url: s.match(/\((.*)\)/)?.[1] ?? s, why: s, concept: s, rule: s, source: 'tailored' }] }).value;
    assertInert(renderRecommendations(recommendations, s), `recommendations ${s}`);
    const mistake = { rule: s, message: s, count: 2, line: 3 };
    const insights = check(Insights, {
      files: [{ file: s, topics: [s], keyMistakes: [mistake], difficulty: 3, uses: 2, openConfusion: [mistake], lastAnalysis: s, source: s }],
      workspace: { keyMistakes: [mistake], topics: [s], topicDifficulty: [{ concept: s, label: s, difficulty: 9, struggles: 1, uses: 1 }], lastAnalysis: null, difficultyNote: s },
    }).value;
    assertInert(renderInsights(insights, { folders: ['/w'], now: new Date() }), `insights ${s}`);
  }
});

test('a backtick inside a quoted string cannot break out of a code span', () => {
  // comparisons.py puts the learner's literal into the message: here it holds backticks and markup.
  const html = inlineCode('comparing with `"a`<img src=x onerror=alert(1)>`"` is always False');
  assert.ok(!html.includes('<img'), html);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.equal(escapeHtml('<img src=x onerror="a">&\''), '&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;');
});
