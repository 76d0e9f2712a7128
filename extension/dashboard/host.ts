// The summary script (extension/webview/summary.ts) talks to its host through
// acquireVsCodeApi().postMessage, as in a VS Code webview. Here the host is the
// dashboard itself: this stands in for that API before the summary script runs,
// and holds its messages ('ready', 'period') until the dashboard listens.

type Listener = (message: { type?: string; period?: string }) => void;

let listener: Listener | undefined;
const early: Array<{ type?: string; period?: string }> = [];

(globalThis as unknown as { acquireVsCodeApi: () => { postMessage(message: unknown): void } }).acquireVsCodeApi = () => ({
  postMessage(message: unknown) {
    const m = (message ?? {}) as { type?: string; period?: string };
    if (listener) listener(m);
    else early.push(m);
  },
});

/** Receive what the summary script sends to its host. */
export function onSummaryMessage(l: Listener): void {
  listener = l;
  for (const m of early.splice(0)) l(m);
}

/** Send the summary script what the VS Code extension would (a model, or an error). */
export function toSummary(message: { type: 'model'; model: unknown } | { type: 'error'; message: string }): void {
  window.postMessage(message, window.location.origin);
}
