// What the server reads, and what needs a restart. The server's settings table
// (server/codecoach/config.py) is the source of truth for the analysis settings;
// this file mirrors its names. Values are passed through as the user wrote them:
// the server validates them and falls back per setting ("fail soft"), so the
// client never second-guesses a value it does not own.

/** Reads one `codecoach.*` value (like WorkspaceConfiguration.get). */
export type ConfigReader = (key: string) => unknown;

/**
 * VS Code setting (under `codecoach.`) -> the name in the server's settings table
 * (server/codecoach/config.py SETTINGS). The server receives a flat object with
 * its own names; the editor groups the cloud settings under `codecoach.cloud.*`.
 * Every key is always sent (defaults included): the server keeps a value until it
 * is sent again, so a setting reset to its default must travel too.
 */
export const SERVER_NAMES: Readonly<Record<string, string>> = {
  debounceMs: 'debounceMs',
  logLevel: 'logLevel',
  disabledRules: 'disabledRules',
  ruleSeverity: 'ruleSeverity',
  behaviourHints: 'behaviourHints',
  churnEdits: 'churnEdits',
  churnWindowSeconds: 'churnWindowSeconds',
  syntaxStreakEdits: 'syntaxStreakEdits',
  hintCooldownMinutes: 'hintCooldownMinutes',
  'cloud.enabled': 'cloudEnabled',
  'cloud.model': 'model',
  'cloud.temperature': 'temperature',
  'cloud.requestsPerMinute': 'requestsPerMinute',
  'cloud.requestsPerHour': 'requestsPerHour',
  'cloud.requestsPerDay': 'requestsPerDay',
  'cloud.settleSeconds': 'settleSeconds',
  'cloud.quietSeconds': 'cloudSettleSeconds',
  'cloud.providers': 'providers',
  excludeGlobs: 'excludeGlobs',
  'cloud.timeoutSeconds': 'timeoutSeconds',
  'cloud.breakerFailures': 'breakerFailures',
  'cloud.breakerCooldownSeconds': 'breakerCooldownSeconds',
  'cloud.ollamaModel': 'ollamaModel',
  'examples.run': 'runExamples',
  'examples.cpuSeconds': 'examplesCpuSeconds',
  'examples.memoryMb': 'examplesMemoryMb',
};

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

/** The flat object the server parses, with its own setting names. */
export type ServerSettings = Record<string, unknown>;

/** Process-level settings, passed as environment variables. */
export interface ProcessSettings {
  cloudEnabled: boolean;
  dataDir: string;
  chroma: { host: string; port: number };
}

/**
 * The `codecoach` section as the server receives it (initializationOptions and
 * didChangeConfiguration). Values pass through as the user wrote them: the
 * server validates each one and falls back to its default on a bad value.
 */
export function serverSettings(get: ConfigReader): ServerSettings {
  const out: ServerSettings = {};
  for (const [client, server] of Object.entries(SERVER_NAMES)) {
    const value = get(client);
    if (value !== undefined && value !== null) out[server] = value;
  }
  return out;
}

export function processSettings(get: ConfigReader): ProcessSettings {
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const port = get('chroma.port');
  return {
    cloudEnabled: get('cloud.enabled') === true,
    dataDir: str(get('dataDir')),
    chroma: { host: str(get('chroma.host')), port: typeof port === 'number' && Number.isInteger(port) ? port : 8000 },
  };
}

/** The wrapper VS Code's push model and pygls use: `{settings: {codecoach: {...}}}`. */
export function didChangeConfigurationParams(get: ConfigReader): { settings: { codecoach: ServerSettings } } {
  return { settings: { codecoach: serverSettings(get) } };
}

/**
 * The server process environment. The API key travels only here (never in
 * settings, initializationOptions or logs), and only when cloud analysis is on.
 */
export function serverEnv(
  base: NodeJS.ProcessEnv,
  settings: ProcessSettings,
  apiKey: string | undefined,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };
  // A key left in the editor's own environment must not leak in when the learner said "offline".
  delete env.GOOGLE_API_KEY;
  delete env.GEMINI_API_KEY;
  if (settings.cloudEnabled && apiKey) {
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
