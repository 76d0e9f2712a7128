// The Explanation page (Explain Selection, and the "Explain this mistake" Quick
// Fix): the server's markdown as safe HTML, and "Was this helpful?" per rule.

import { escapeHtml } from './html';
import { markdownToHtml } from './markdown';
import type { ExplanationPayload } from './payloads';

/** The command the page's feedback links run (a client command: it says thanks). */
export const RATE_COMMAND = 'codecoach.rateExplanation';

export function feedbackLink(rule: string, helpful: boolean, uri = ''): string {
  return `command:${RATE_COMMAND}?${encodeURIComponent(JSON.stringify([{ rule, helpful, uri }]))}`;
}

export function renderExplanation(data: ExplanationPayload, uri = ''): string {
  const body = data.markdown.trim() ? markdownToHtml(data.markdown) : '<p class="empty">Nothing to explain here.</p>';
  const rules = [...new Set(data.rules.filter((r) => /^[A-Za-z][\w-]{1,40}$/.test(r)))];
  const feedback = rules.map((rule) => {
    const yes = escapeHtml(feedbackLink(rule, true, uri));
    const no = escapeHtml(feedbackLink(rule, false, uri));
    const which = rules.length > 1 ? `${escapeHtml(rule)}: ` : '';
    return `<p class="feedback">${which}Was this helpful? <a href="${yes}">Yes</a> · <a href="${no}">No</a></p>`;
  });
  return `<article class="explanation">${body}${feedback.join('')}</article>`;
}
