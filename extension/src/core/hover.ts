// VS Code draws a hovered diagnostic's message (with its source and rule id)
// right above the hover of the same range, so the server's heading
// "**CC102: <message>**" would say it twice. Other editors show hovers alone
// and keep the heading: this is the VS Code client's business, not the server's.

export interface ShownDiagnostic {
  code: string;
  message: string;
}

/** The hover markdown without the headings that repeat a diagnostic VS Code already shows. */
export function withoutRepeatedHeadings(markdown: string, shown: readonly ShownDiagnostic[]): string {
  if (!shown.length) return markdown;
  const headings = new Set(shown.map((d) => `**${d.code}: ${d.message}**`));
  const paragraphs = markdown.split(/\n{2,}/);
  const kept = paragraphs.filter((p) => !headings.has(p.trim()));
  return kept.length === paragraphs.length ? markdown : kept.join('\n\n');
}
