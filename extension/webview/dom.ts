// Small DOM helpers shared by the summary script (summary.ts) and the browser dashboard
// (dashboard/dashboard.ts). No side effects: importing this module changes nothing on the page.
// Text goes in with textContent only; `code` spans become <code> elements, never parsed as HTML.

import { splitCodeSpans } from '../src/core/markdown';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

/** Text as the coach writes it: `code` spans (core/markdown.ts splitCodeSpans) become <code> elements; the rest is text. */
export function rich<K extends keyof HTMLElementTagNameMap>(tag: K, text: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = el(tag, undefined, cls);
  for (const s of splitCodeSpans(text)) e.append(s.code ? el('code', s.text) : document.createTextNode(s.text));
  return e;
}

/** The page's element with this id, or null when it has none. */
export const byId = (id: string): HTMLElement | null => document.getElementById(id);
