// The Gemini API key lives only in the editor's SecretStorage (the OS keychain
// where available). It is handed to the server process's environment and never
// written to settings, initializationOptions or logs.

import * as vscode from 'vscode';

const KEY = 'codecoach.geminiApiKey';

export class ApiKeyStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  readonly onDidChange: vscode.Event<void> = (listener, thisArg, disposables) =>
    this.secrets.onDidChange((e) => {
      if (e.key === KEY) listener.call(thisArg);
    }, undefined, disposables);

  async get(): Promise<string | undefined> {
    try {
      return (await this.secrets.get(KEY)) || undefined;
    } catch {
      return undefined;
    }
  }

  async has(): Promise<boolean> {
    return (await this.get()) !== undefined;
  }

  set(value: string): Thenable<void> {
    return this.secrets.store(KEY, value.trim());
  }

  clear(): Thenable<void> {
    return this.secrets.delete(KEY);
  }
}
