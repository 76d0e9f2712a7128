// The Insights page: per file and across files, in words a learner reads at a
// glance. Workspace-relative names, "12 minutes ago", labels (never the
// internal concept ids), difficulty with what it rests on and its formula
// behind an info tooltip; lists instead of wide tables so it fits a side column.

import { escapeHtml } from './html';
import { inlineCode } from './markdown';
import type { InsightsPayload } from './payloads';
import { displayPath } from './paths';
import { relativeTime } from './time';

export interface ViewContext {
  /** Workspace folder paths, for relative file names. */
  folders: readonly string[];
  now: Date;
  timeZone?: string;
}

const WORDS = ['', 'easy', 'mostly fine', 'some trouble', 'hard', 'very hard'];

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 of 5 · some trouble" with five dots, as one accessible label. */
export function difficultyMeter(level: number): string {
  const d = Math.max(1, Math.min(5, Math.round(level) || 1));
  const dots = Array.from({ length: 5 }, (_, i) => `<span class="dot${i < d ? ' on' : ''}"></span>`).join('');
  return `<span class="meter level-${d}" role="img" aria-label="Difficulty ${d} of 5: ${WORDS[d]}">${dots}</span> <span class="meter-text">${d} of 5 · ${WORDS[d]}</span>`;
}

/** What a rating rests on, said plainly; little evidence is called little. */
export function evidenceText(mistakes: number, uses: number, mistakeWord = 'mistake'): string {
  const base = `rests on ${plural(mistakes, mistakeWord)} in ${plural(uses, 'use')}`;
  return mistakes + uses < 3 ? `${base}: too early to tell much` : base;
}

function info(text: string): string {
  return text ? ` <span class="info" tabindex="0" title="${escapeHtml(text)}" aria-label="${escapeHtml(`How difficulty is computed: ${text}`)}">i</span>` : '';
}

function mistakesList(items: Array<{ rule: string; message: string; count?: number; line?: number }>, empty: string): string {
  if (!items.length) return `<p class="muted">${escapeHtml(empty)}</p>`;
  const li = items.map((m) => {
    const where = m.line ? `<span class="muted">line ${m.line}</span> ` : '';
    const count = m.count && m.count > 1 ? ` <span class="count" title="times met">×${m.count}</span>` : '';
    return `<li>${where}<span class="rule">${escapeHtml(m.rule)}</span> ${inlineCode(m.message)}${count}</li>`;
  });
  return `<ul class="mistakes">${li.join('')}</ul>`;
}

const chips = (labels: string[]) => (labels.length ? `<div class="chips">${labels.map((t) => `<span class="chip">${escapeHtml(t)}</span>`).join('')}</div>` : '');

export function renderInsights(data: InsightsPayload, ctx: ViewContext): string {
  const ws = data.workspace;
  const when = (iso: string | null) => relativeTime(iso, ctx.now, ctx.timeZone);
  const topics = ws.topicDifficulty.filter((t) => t.struggles > 0 || t.uses > 0);
  const topicRows = topics
    .map((t) => `<tr><td>${escapeHtml(t.label)}</td><td>${difficultyMeter(t.difficulty)}<div class="muted small">${escapeHtml(evidenceText(t.struggles, t.uses))}</div></td></tr>`)
    .join('');
  const overview = `<section class="overview">
<h2>Across your files</h2>
${when(ws.lastAnalysis) ? `<p class="muted">Last analysis ${escapeHtml(when(ws.lastAnalysis))}.</p>` : ''}
<h3>Your most frequent mistakes</h3>
${mistakesList(ws.keyMistakes, 'None so far.')}
${topicRows ? `<h3>How hard each topic has been${info(ws.difficultyNote)}</h3>
<table class="fit"><thead><tr><th>Topic</th><th>Difficulty</th></tr></thead><tbody>${topicRows}</tbody></table>` : ''}
</section>`;

  const files = data.files.map((f) => {
    const name = displayPath(f.file, ctx.folders);
    const ago = when(f.lastAnalysis);
    return `<article class="card">
<h3 title="${escapeHtml(name)}">${escapeHtml(name)}</h3>
<p class="muted small">${ago ? `Analyzed ${escapeHtml(ago)}` : ''}</p>
<p>${difficultyMeter(f.difficulty)}<span class="muted small"> — ${escapeHtml(evidenceText(f.openConfusion.length, f.uses, 'open mistake'))}</span></p>
${chips(f.topics)}
<h4>Still in the code</h4>
${mistakesList(f.openConfusion, 'Nothing open: every mistake shown here has been fixed.')}
${f.keyMistakes.some((m) => m.count > 1) ? `<h4>Met most often</h4>${mistakesList(f.keyMistakes.filter((m) => m.count > 1), '')}` : ''}
</article>`;
  });

  return [
    '<header><h1>Insights</h1><p class="muted">Your latest analysis: the topics in each file, the mistakes that keep coming back, and how hard each topic has been.</p></header>',
    data.files.length || ws.keyMistakes.length || topics.length ? overview : '',
    files.length ? `<section><h2>Files</h2><div class="cards">${files.join('')}</div></section>` : '<p class="empty">No insights yet: open and edit a Python file first.</p>',
  ].join('\n');
}
