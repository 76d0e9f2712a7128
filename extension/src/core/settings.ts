// What the server reads, and what needs a restart. The server's settings table
// (server/codecoach/config.py) is the source of truth for the analysis settings;
// this file mirrors its names. Values are passed through as the user wrote them:
// the server validates them and falls back per setting ("fail soft"), so the
// client never second-guesses a value it does not own.

/** Reads one `codecoach.*` value (like WorkspaceConfiguration.get). */
export type ConfigReader = (key: string) => unknown;

/** Analysis settings the server parses (config.py SETTINGS), sent flat. */
export const ANALYSIS_KEYS = [
  'debounceMs',
  'logLevel',
  'disabledRules',
  'ruleSeverity',
  'behaviourHints',
  'churnEdits',
  'churnWindowSeconds',
  'syntaxStreakEdits',
  'hintCooldownMinutes',
] as const;

/**
 * Settings that only take effect when the server process starts: they become
 * environment variables, pick the interpreter, or change whether the API key is
 * handed to the process.
 */
export const RESTART_KEYS = [
  'python.interpreter',
  'server.python',
  'dataDir',
  'chroma.host',
  'chroma.port',
  'cloud.enabled',
] as const;

export interface ServerSettings {
  [key: string]: unknown;
  cloud: { enabled: boolean; model: string; requestsPerMinute: number; requestsPerDay: number };
  exclude: string[];
  dataDir: string;
  chroma: { host: string; port: number };
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** The `codecoach` section as the server receives it (initializationOptions and didChangeConfiguration). */
export function serverSettings(get: ConfigReader): ServerSettings {
  const out: ServerSettings = {
    cloud: {
      enabled: get('cloud.enabled') === true,
      model: str(get('cloud.model'), 'gemini-2.5-flash').trim() || 'gemini-2.5-flash',
      requestsPerMinute: num(get('cloud.requestsPerMinute'), 8),
      requestsPerDay: num(get('cloud.requestsPerDay'), 200),
    },
    exclude: Array.isArray(get('exclude'))
      ? (get('exclude') as unknown[]).filter((g): g is string => typeof g === 'string' && g.trim() !== '')
      : [],
    dataDir: str(get('dataDir'), '').trim(),
    chroma: { host: str(get('chroma.host'), '').trim(), port: num(get('chroma.port'), 8000) },
  };
  for (const key of ANALYSIS_KEYS) {
    const value = get(key);
    if (value !== undefined && value !== null) {
      out[key] = value;
    }
  }
  return out;
}

/** The wrapper VS Code's pull model and pygls expect: `{settings: {codecoach: {...}}}`. */
export function didChangeConfigurationParams(get: ConfigReader): { settings: { codecoach: ServerSettings } } {
  return { settings: { codecoach: serverSettings(get) } };
}

/**
 * The server process environment. The API key travels only here (never in
 * settings, initializationOptions or logs), and only when cloud analysis is on.
 */
export function serverEnv(
  base: NodeJS.ProcessEnv,
  settings: ServerSettings,
  apiKey: string | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
  // A key left in the editor's own environment must not leak in when the learner said "offline".
  delete env.GOOGLE_API_KEY;
  delete env.GEMINI_API_KEY;
  if (settings.cloud.enabled && apiKey) {
    env.GOOGLE_API_KEY = apiKey;
  }
  if (settings.dataDir) env.CODECOACH_DATA_DIR = settings.dataDir;
  if (settings.chroma.host) {
    env.CHROMA_HOST = settings.chroma.host;
    env.CHROMA_PORT = String(settings.chroma.port);
  }
  return env;
}

/** A loggable description of what we add to the environment: the key's value never appears. */
export function describeEnv(env: NodeJS.ProcessEnv): string {
  const shown = ['CODECOACH_DATA_DIR', 'CHROMA_HOST', 'CHROMA_PORT'];
  const parts = shown.filter((k) => env[k]).map((k) => `${k}=${env[k]}`);
  parts.push(`GOOGLE_API_KEY ${env.GOOGLE_API_KEY ? 'set (hidden)' : 'not set'}`);
  return parts.join(', ');
}

/** Does a configuration change require restarting the server process? */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return RESTART_KEYS.some((key) => affects(`codecoach.${key}`));
}
