// Errors in words, for the log, a page or a notification (no `vscode` here: the browser dashboard uses it too).

/** The message of an error, for a page or a notification. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
