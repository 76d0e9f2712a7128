// Markdown from the server (rule explanations, Gemini's text, messages that
// quote the learner's code) as safe HTML. Only a small subset is understood:
// paragraphs, lists, headings, rules, fenced code, `code`, **bold**, *italic*
// and [links](https://...). Everything else is text: raw HTML is escaped, never
// passed through, and a link is kept only if its URL is https (no command:,
// javascript:, data: or http: from model text).

import { escapeHtml, safeUrl } from './html';

export interface Segment {
  code: boolean;
  text: string;
}

/**
 * Text split into code spans and plain text. A run of backticks opens a span
 * that the next run of the same length closes (as in CommonMark); an
 * unmatched run is plain text, so a stray backtick in a quoted string cannot
 * swallow the rest of a message.
 */
export function splitCodeSpans(text: string): Segment[] {
  const out: Segment[] = [];
  const push = (code: boolean, t: string) => {
    if (!t) return;
    const last = out[out.length - 1];
    if (last && last.code === code && !code) last.text += t;
    else out.push({ code, text: t });
  };
  let i = 0;
  let plain = '';
  while (i < text.length) {
    if (text[i] !== '`') {
      plain += text[i++];
      continue;
    }
    let n = 0;
    while (text[i + n] === '`') n++;
    const fence = '`'.repeat(n);
    let close = i + n;
    for (;;) {
      close = text.indexOf(fence, close);
      if (close < 0 || text[close + n] !== '`') break;
      while (text[close] === '`') close++; // a longer run does not close this span
    }
    if (close < 0) {
      plain += fence;
      i += n;
      continue;
    }
    push(false, plain);
    plain = '';
    let inner = text.slice(i + n, close);
    if (inner.length > 2 && inner.startsWith(' ') && inner.endsWith(' ')) inner = inner.slice(1, -1);
    out.push({ code: true, text: inner });
    i = close + n;
  }
  push(false, plain);
  return out;
}

/** Plain text with `code` spans as <code>: for messages, which are not markdown otherwise. */
export function inlineCode(text: string): string {
  return splitCodeSpans(String(text ?? ''))
    .map((s) => (s.code ? `<code>${escapeHtml(s.text)}</code>` : escapeHtml(s.text)))
    .join('');
}

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** One line of markdown: code spans, links, bold and italic. */
export function inline(text: string): string {
  const codes: string[] = [];
  // Code spans first, out of reach of the other rules; \u0000 marks their places.
  const masked = splitCodeSpans(String(text ?? '').replace(/\u0000/g, ''))
    .map((s) => (s.code ? `\u0000${codes.push(s.text) - 1}\u0000` : s.text))
    .join('');
  let html = escapeHtml(masked);
  html = html.replace(/\[([^\]\n]+)\]\(([^()\s]+)\)/g, (_m, label: string, href: string) => {
    const url = safeUrl(unescape(href).replace(/\u0000\d+\u0000/g, ''));
    return url ? `<a href="${escapeHtml(url)}">${label}</a>` : label;
  });
  html = html.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>');
  html = html.replace(/(^|[^*\w])\*(?=[^\s*])([^*]*?[^\s*])\*(?![*\w])/g, '$1<em>$2</em>');
  html = html.replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?!\w)/g, '$1<em>$2</em>');
  return html.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => `<code>${escapeHtml(codes[Number(i)])}</code>`);
}

const LIST_ITEM = /^\s{0,3}(?:[-*+]|(\d+)[.)])\s+(.*)$/;

/** A markdown document (a hover, an explanation, Gemini's take) as safe HTML blocks. */
export function markdownToHtml(markdown: string): string {
  const lines = String(markdown ?? '').replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  const flush = () => {
    if (paragraph.length) out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    paragraph = [];
    if (list) out.push(`<${list.ordered ? 'ol' : 'ul'}>${list.items.map((i) => `<li>${inline(i)}</li>`).join('')}</${list.ordered ? 'ol' : 'ul'}>`);
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^\s*(```+|~~~+)/.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      while (++i < lines.length && !lines[i].trimStart().startsWith(fence[1])) body.push(lines[i]);
      out.push(`<pre><code>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      out.push('<hr>');
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1].length + 1); // the page's own title is the h1
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      if (paragraph.length) flush();
      const ordered = item[1] !== undefined;
      if (list && list.ordered !== ordered) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[2]);
      continue;
    }
    if (list) list.items[list.items.length - 1] += ` ${line.trim()}`;
    else paragraph.push(line.trim());
  }
  flush();
  return out.join('\n');
}
