// The Recommendations page: one card per piece of material, with why it was
// picked. Titles and reasons may come from Gemini: they are escaped, and a
// link is kept only if it is https.

import { escapeHtml, safeUrl } from './html';
import { inlineCode } from './markdown';
import type { RecommendationsPayload } from './payloads';
import { humanize } from './summaryModel';

/** `concept`: the concept the page was asked for (the "Recommendations for …" Quick Fix), if any. */
export function renderRecommendations(data: RecommendationsPayload, concept?: string): string {
  const cards = data.items.map((item) => {
    const url = safeUrl(item.url);
    const title = escapeHtml(item.title || 'Untitled');
    const heading = url ? `<a href="${escapeHtml(url)}">${title}</a>` : title;
    const host = url ? `<div class="muted small">${escapeHtml(new URL(url).host)}</div>` : '';
    const tags = [item.label || humanize(item.concept), item.rule].filter(Boolean).map((t) => `<span class="chip">${escapeHtml(t)}</span>`);
    if (item.source === 'tailored') tags.push('<span class="chip gemini">Suggested by Gemini</span>');
    const why = item.why ? `<p>${inlineCode(item.why)}</p>` : '';
    return `<article class="card"><h2>${heading}</h2>${host}${why}<div class="chips">${tags.join('')}</div></article>`;
  });
  const about = concept ? `Material on ${escapeHtml(humanize(concept).toLowerCase())}, picked for what you met recently.` : 'Material picked for what you struggled with recently.';
  return [
    `<header><h1>Recommendations</h1><p class="muted">${about}</p></header>`,
    cards.length
      ? `<section class="cards">${cards.join('')}</section>`
      : '<p class="empty">No recommendations yet: keep coding, and the coach will suggest material for the mistakes you meet.</p>',
  ].join('\n');
}
