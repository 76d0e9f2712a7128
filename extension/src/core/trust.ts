// What a workspace may and may not decide (VS Code workspace trust).
//
// A repository can ship .vscode/settings.json and a .env. Neither may switch cloud analysis on,
// run the learner's code, pick an executable or choose where data goes: those settings are
// application- or machine-scoped (package.json), and in Restricted Mode the coach is offline
// only, whatever the settings say.

import type { ProcessSettings, ServerSettings } from './settings';

/** The server's settings as the learner may have them in this workspace. */
export function trustedServerSettings(settings: ServerSettings, trusted: boolean): ServerSettings {
  if (trusted) return settings;
  return { ...settings, cloudEnabled: false, runExamples: false };
}

export function trustedProcessSettings(settings: ProcessSettings, trusted: boolean): ProcessSettings {
  return trusted ? settings : { ...settings, cloudEnabled: false };
}

/** A `.env` key the learner was asked about, remembered per folder by a fingerprint of the key. */
export interface DotenvConsent {
  fingerprint: string;
  use: boolean;
}

export type DotenvDecision = 'use' | 'ask' | 'ignore';

/**
 * Whether a key found in a workspace folder's .env may be handed to the server: only in a trusted
 * workspace, only with cloud analysis on, and only after they said yes for exactly this key in this
 * folder. (Asked only when the learner has no key of their own: the client looks no further then.)
 */
export function dotenvDecision(opts: {
  trusted: boolean;
  cloudEnabled: boolean;
  fingerprint: string | undefined;
  consent: DotenvConsent | undefined;
}): DotenvDecision {
  if (!opts.trusted || !opts.cloudEnabled || !opts.fingerprint) return 'ignore';
  if (!opts.consent || opts.consent.fingerprint !== opts.fingerprint) return 'ask';
  return opts.consent.use ? 'use' : 'ignore';
}

/** The Gemini key a .env file's text holds (GOOGLE_API_KEY first, then GEMINI_API_KEY). */
export function keyInDotenv(parsed: Record<string, string>): string | undefined {
  for (const name of ['GOOGLE_API_KEY', 'GEMINI_API_KEY']) {
    const value = (parsed[name] ?? '').trim();
    if (value) return value;
  }
  return undefined;
}
