// The safety rules of every webview page: everything from the server is
// escaped, links must be https, and pages carry a strict Content-Security-Policy
// (no network, no inline script, no form submission).

export function escapeHtml(v: unknown): string {
  return String(v ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The URL if it may be a link on a page: https only. Learner code and model
 * text reach these pages, so http (tamperable), javascript:, data: and command:
 * (which would run an editor command) are all refused.
 */
export function safeUrl(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v.trim());
    return u.protocol === 'https:' && u.hostname ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The CSP for a webview page. No network: default-src 'none'; styles and
 * images only from the extension; scripts only with the page's nonce (or none);
 * no form may submit anywhere.
 */
export function csp(cspSource: string, nonce?: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    nonce ? `script-src 'nonce-${nonce}'` : "script-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
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

/** The fallback when a page cannot be built: the title and a readable message. */
export function renderError(title: string, message: string): string {
  return `<header><h1>${escapeHtml(title)}</h1></header><div class="error" role="alert">${escapeHtml(message)}</div>`;
}
