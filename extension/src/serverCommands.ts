// Running a server command from a client command: a progress note in the
// status bar, the answer checked against its declaration (core/payloads.ts),
// and failures logged and reported the same way everywhere.

import * as vscode from 'vscode';
import { CoachClient, CommandNotSupported } from './client';
import { messageOf } from './core/errors';
import { Shape, check } from './core/shape';

// Defined without `vscode` (the browser dashboard uses it too); the commands import it from here.
export { messageOf };

/** Logs where a server answer differs from its declaration: the first five problems, and how many more. */
export function logMismatch(log: vscode.LogOutputChannel, title: string, problems: string[]): void {
  if (!problems.length) return;
  log.warn(`${title}: the server's answer differs from docs/payloads.schema.json: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
}

export class ServerCommands {
  constructor(private readonly client: CoachClient, private readonly log: vscode.LogOutputChannel) {}

  /** The server's answer as T. A field that does not match the declaration is logged and rendered empty. */
  async run<T>(title: string, command: string, shape: Shape<T>, args: unknown[] = []): Promise<T> {
    const { value, problems } = check(shape, await this.raw(title, command, args), command);
    logMismatch(this.log, title, problems);
    return value;
  }

  /** The server's answer as it came (for callers that check it themselves). */
  async raw(title: string, command: string, args: unknown[] = []): Promise<unknown> {
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Code Coach: ${title}…` },
        () => this.client.executeCommand(command, args),
      );
    } catch (error) {
      const message = messageOf(error);
      this.log.error(`${title}: ${message}`);
      throw error instanceof CommandNotSupported ? error : new Error(message);
    }
  }
}
