// A Gemini key in a workspace's .env: offered to the server only after the learner confirms it,
// once per folder and key, in a trusted workspace (core/trust.ts decides; this file asks and remembers).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'dotenv';
import * as vscode from 'vscode';
import { DotenvConsent, dotenvDecision, keyInDotenv } from './core/trust';

const CONSENT = 'codecoach.dotenvConsent';

interface Found {
  folder: string;
  key: string;
  fingerprint: string;
}

function findKey(): Found | undefined {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme !== 'file') continue;
    const file = path.join(folder.uri.fsPath, '.env');
    let text: Buffer;
    try {
      text = fs.readFileSync(file);
    } catch {
      continue;
    }
    const key = keyInDotenv(parse(text));
    if (key) {
      return { folder: folder.uri.fsPath, key, fingerprint: crypto.createHash('sha256').update(key).digest('hex').slice(0, 16) };
    }
  }
  return undefined;
}

export class WorkspaceKey {
  /** Fingerprints of keys whose "Use This Key" prompt is open: a server restart meanwhile does not ask again. */
  private readonly asking = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  private consents(): Record<string, DotenvConsent> {
    return this.context.globalState.get<Record<string, DotenvConsent>>(CONSENT) ?? {};
  }

  /**
   * The workspace key the server may use now (undefined: none). When the learner has not been
   * asked about this key yet, asks in the background and calls `onAnswer` when they agree.
   */
  resolve(opts: { cloudEnabled: boolean }, onAnswer: () => void): string | undefined {
    const trusted = vscode.workspace.isTrusted;
    if (!trusted || !opts.cloudEnabled) return undefined; // no key would be used: no .env is read
    const found = findKey();
    const decision = dotenvDecision({
      trusted,
      cloudEnabled: opts.cloudEnabled,
      fingerprint: found?.fingerprint,
      consent: found ? this.consents()[found.folder] : undefined,
    });
    if (decision === 'use' && found) {
      this.log.info(`Using the Gemini key from ${path.join(found.folder, '.env')}, as confirmed for this folder.`);
      return found.key;
    }
    if (decision === 'ask' && found) void this.ask(found, onAnswer);
    return undefined;
  }

  private async ask(found: Found, onAnswer: () => void): Promise<void> {
    if (this.asking.has(found.fingerprint)) return; // the same question is already on screen
    this.asking.add(found.fingerprint);
    try {
      const folderName = path.basename(found.folder);
      const choice = await vscode.window.showWarningMessage(
        `The .env file of "${folderName}" holds a Gemini API key. Use it for Code Coach's cloud analysis in this folder? ` +
          'Your code would be sent to Gemini with that key: only say yes if it is your own key.',
        'Use This Key',
        'No',
      );
      if (choice === undefined) return; // dismissed: ask again next time
      const consents = { ...this.consents(), [found.folder]: { fingerprint: found.fingerprint, use: choice === 'Use This Key' } };
      await this.context.globalState.update(CONSENT, consents);
      this.log.info(`The .env key of ${found.folder}: ${choice === 'Use This Key' ? 'confirmed' : 'declined'} by the learner.`);
      if (choice === 'Use This Key') onAnswer();
    } finally {
      this.asking.delete(found.fingerprint); // after the answer is stored: a restart it causes finds it
    }
  }
}
