// HTML for the report webviews (insights, recommendations, explanations).
// Everything from the server is escaped; links are limited to http(s); pages
// carry a strict Content-Security-Policy. Unknown shapes fall back to a generic,
// readable rendering instead of failing.

export function escapeHtml(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function safeUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CSP for a webview page. No network: default-src 'none'; styles and
 * images only from the extension; scripts only with the page's nonce (or none).
 */
export function csp(cspSource: string, nonce?: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    nonce ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
  ].join('; ');
}

export interface PageOptions {
  title: string;
  cspSource: string;
  styleUris: string[];
  scriptUri?: string;
  nonce?: string;
  body: string;
  bodyAttrs?: string;
}

export function page(o: PageOptions): string {
  const styles = o.styleUris.map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`).join('\n');
  const script = o.scriptUri && o.nonce ? `<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp(o.cspSource, o.scriptUri ? o.nonce : undefined)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
<title>${escapeHtml(o.title)}</title>
</head>
<body ${o.bodyAttrs ?? ''}>
${o.body}
${script}
</body>
</html>`;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);

/** "keyMistakes" -> "Key mistakes" */
export function labelFor(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').trim().toLowerCase();
  return spaced ? spaced[0].toUpperCase() + spaced.slice(1) : '';
}

function scalar(v: unknown): string {
  if (v === null || v === undefined || v === '') return '<span class="muted">—</span>';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  const url = safeUrl(v);
  if (url) return `<a href="${escapeHtml(url)}">${escapeHtml(v)}</a>`;
  return escapeHtml(v);
}

/** Any JSON as readable HTML: objects as definition lists, lists of objects as tables, lists of scalars as chips. */
export function renderValue(v: unknown, depth = 0): string {
  if (depth > 6) return '<span class="muted">…</span>';
  if (Array.isArray(v)) {
    if (v.length === 0) return '<span class="muted">none</span>';
    if (v.every((x) => !isObj(x) && !Array.isArray(x))) {
      return `<span class="chips">${v.map((x) => `<span class="chip">${scalar(x)}</span>`).join('')}</span>`;
    }
    if (v.every(isObj)) {
      const cols: string[] = [];
      for (const row of v as Obj[]) for (const k of Object.keys(row)) if (!cols.includes(k)) cols.push(k);
      const head = cols.map((c) => `<th>${escapeHtml(labelFor(c))}</th>`).join('');
      const rows = (v as Obj[])
        .map((row) => `<tr>${cols.map((c) => `<td>${renderValue(row[c], depth + 1)}</td>`).join('')}</tr>`)
        .join('');
      return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
    }
    return `<ul>${v.map((x) => `<li>${renderValue(x, depth + 1)}</li>`).join('')}</ul>`;
  }
  if (isObj(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return '<span class="muted">none</span>';
    return `<dl>${keys.map((k) => `<dt>${escapeHtml(labelFor(k))}</dt><dd>${renderValue(v[k], depth + 1)}</dd>`).join('')}</dl>`;
  }
  return scalar(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

export function renderRecommendations(raw: unknown): string {
  const data = isObj(raw) ? raw : {};
  const items = Array.isArray(data.items) ? data.items.filter(isObj) : [];
  const cards = items.map((item) => {
    const url = safeUrl(item.url);
    const title = escapeHtml(str(item.title) || str(item.url) || 'Untitled');
    const heading = url ? `<a href="${escapeHtml(url)}">${title}</a>` : title;
    const tags = [str(item.concept), str(item.rule)].filter(Boolean).map((t) => `<span class="chip">${escapeHtml(t)}</span>`).join('');
    const why = str(item.why) ? `<p>${escapeHtml(item.why)}</p>` : '';
    const host = url ? `<div class="muted small">${escapeHtml(new URL(url).host)}</div>` : '';
    return `<article class="card"><h2>${heading}</h2>${host}${why}<div class="chips">${tags}</div></article>`;
  });
  const others = Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'items'));
  return [
    '<header><h1>Recommendations</h1><p class="muted">Material picked for what you struggled with recently.</p></header>',
    cards.length ? `<section class="cards">${cards.join('')}</section>` : '<p class="empty">No recommendations yet: keep coding, and the coach will suggest material for the mistakes you meet.</p>',
    Object.keys(others).length ? `<section><h2>Details</h2>${renderValue(others)}</section>` : '',
  ].join('\n');
}

export function renderInsights(raw: unknown): string {
  const data = isObj(raw) ? raw : {};
  const files = Array.isArray(data.files) ? data.files.filter(isObj) : [];
  const sections = files.map((f) => {
    const topics = Array.isArray(f.topics) ? f.topics : [];
    const mistakes = Array.isArray(f.keyMistakes) ? f.keyMistakes.filter(isObj) : [];
    const rows = mistakes
      .map((m) => `<tr><td><code>${escapeHtml(str(m.rule))}</code></td><td>${escapeHtml(str(m.message))}</td><td class="num">${escapeHtml(str(m.count))}</td></tr>`)
      .join('');
    const extra = Object.fromEntries(Object.entries(f).filter(([k]) => !['file', 'topics', 'keyMistakes', 'difficulty'].includes(k)));
    const difficulty = f.difficulty === undefined || f.difficulty === null ? '' : `<span class="chip strong">Difficulty: ${escapeHtml(typeof f.difficulty === 'object' ? JSON.stringify(f.difficulty) : f.difficulty)}</span>`;
    return `<article class="card">
<h2>${escapeHtml(str(f.file) || 'Untitled file')}</h2>
<div class="chips">${difficulty}${topics.map((t) => `<span class="chip">${escapeHtml(str(t))}</span>`).join('')}</div>
${rows ? `<table><thead><tr><th>Rule</th><th>Key mistake</th><th class="num">Times</th></tr></thead><tbody>${rows}</tbody></table>` : '<p class="muted">No recurring mistakes in this file.</p>'}
${Object.keys(extra).length ? renderValue(extra) : ''}
</article>`;
  });
  const workspace = data.workspace;
  const others = Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'files' && k !== 'workspace'));
  return [
    '<header><h1>Insights</h1><p class="muted">The latest analysis of your files: topics, key mistakes and how hard each file is.</p></header>',
    workspace !== undefined ? `<section><h2>Workspace</h2>${renderValue(workspace)}</section>` : '',
    sections.length ? `<section class="cards">${sections.join('')}</section>` : '<p class="empty">No insights yet: open and edit a Python file first.</p>',
    Object.keys(others).length ? `<section><h2>Details</h2>${renderValue(others)}</section>` : '',
  ].join('\n');
}

/** The fallback when the server returns something that is not an object we know. */
export function renderError(title: string, message: string): string {
  return `<header><h1>${escapeHtml(title)}</h1></header><div class="error" role="alert">${escapeHtml(message)}</div>`;
}
