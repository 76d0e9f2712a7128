// Finding a Python for the server. Pure logic: every side effect (reading
// settings, asking the Python extension, running an interpreter) is injected,
// so the order of preference is unit-tested without a real Python.

export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** Where a candidate interpreter came from, in order of preference. */
export type PythonSource =
  | 'server.python setting'
  | 'CODECOACH_SERVER_PYTHON'
  | 'Python extension'
  | 'codecoach.python.interpreter'
  | 'PATH';

export interface PythonInfo {
  /** The command or path as configured. */
  command: string;
  /** sys.executable as reported by the interpreter itself. */
  executable: string;
  version: [number, number, number];
}

export interface ProbeResult {
  ok: boolean;
  info?: PythonInfo;
  error?: string;
}

export interface DiscoveryDeps {
  /** `codecoach.server.python` (development: already has codecoach installed). */
  serverPythonSetting(): string | undefined;
  /** process.env.CODECOACH_SERVER_PYTHON */
  serverPythonEnv(): string | undefined;
  /** The interpreter selected in ms-python.python, if that extension is installed. */
  pythonExtensionInterpreter(): Promise<string | undefined>;
  /** `codecoach.python.interpreter` */
  interpreterSetting(): string | undefined;
  /** Names tried on PATH, e.g. ["python3", "python"] (["py", "python"] on Windows). */
  pathCandidates(): string[];
  /** Run the interpreter and report its version; never throws. */
  probe(command: string): Promise<ProbeResult>;
}

export interface Discovery {
  /** The interpreter chosen, or undefined when none is suitable. */
  python?: PythonInfo;
  source?: PythonSource;
  /** True when the interpreter already has codecoach (skip the private venv). */
  preinstalled: boolean;
  /** One line per candidate considered, for the log and the error message. */
  tried: string[];
}

export function versionOk(version: readonly number[], min: readonly [number, number] = MIN_PYTHON): boolean {
  const [major = 0, minor = 0] = version;
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

export function formatVersion(version: readonly number[]): string {
  return version.join('.');
}

/** The command the probe runs: prints `[[major, minor, micro], sys.executable]` as JSON. */
export const PROBE_CODE =
  'import json, sys; print(json.dumps([list(sys.version_info[:3]), sys.executable]))';

/** Parse the probe's stdout (tolerates noise before the JSON line). */
export function parseProbeOutput(command: string, stdout: string): ProbeResult {
  const line = stdout
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('['))
    .pop();
  if (!line) {
    return { ok: false, error: 'did not report its version' };
  }
  try {
    const parsed: unknown = JSON.parse(line);
    if (!Array.isArray(parsed) || !Array.isArray(parsed[0]) || typeof parsed[1] !== 'string') {
      return { ok: false, error: 'reported an unexpected version format' };
    }
    const v = (parsed[0] as unknown[]).map((n) => Number(n));
    const version: [number, number, number] = [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0];
    return { ok: true, info: { command, executable: parsed[1] || command, version } };
  } catch {
    return { ok: false, error: 'reported an unexpected version format' };
  }
}

function clean(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/**
 * Choose the interpreter.
 *
 * 1. A development interpreter that already has codecoach (`codecoach.server.python`,
 *    then `CODECOACH_SERVER_PYTHON`): used as is, no private environment.
 * 2. Otherwise a base interpreter (>= 3.10) for the private environment: the Python
 *    extension's selection, then `codecoach.python.interpreter`, then PATH.
 *    An explicit but unusable choice is reported and the next one is tried, so one
 *    stale setting never leaves the learner without a coach.
 */
export async function discoverPython(deps: DiscoveryDeps): Promise<Discovery> {
  const tried: string[] = [];

  const dev: Array<[PythonSource, string | undefined]> = [
    ['server.python setting', clean(deps.serverPythonSetting())],
    ['CODECOACH_SERVER_PYTHON', clean(deps.serverPythonEnv())],
  ];
  for (const [source, command] of dev) {
    if (!command) continue;
    const probe = await deps.probe(command);
    if (probe.ok && probe.info && versionOk(probe.info.version)) {
      tried.push(`${source}: ${command} (Python ${formatVersion(probe.info.version)}) — used as is`);
      return { python: probe.info, source, preinstalled: true, tried };
    }
    tried.push(describeFailure(source, command, probe));
  }

  let fromExtension: string | undefined;
  try {
    fromExtension = clean(await deps.pythonExtensionInterpreter());
  } catch (error) {
    tried.push(`Python extension: could not be asked (${String(error)})`);
  }
  const base: Array<[PythonSource, string | undefined]> = [
    ['Python extension', fromExtension],
    ['codecoach.python.interpreter', clean(deps.interpreterSetting())],
    ...deps.pathCandidates().map((c): [PythonSource, string] => ['PATH', c]),
  ];
  const seen = new Set<string>();
  for (const [source, command] of base) {
    if (!command || seen.has(command)) continue;
    seen.add(command);
    const probe = await deps.probe(command);
    if (probe.ok && probe.info && versionOk(probe.info.version)) {
      tried.push(`${source}: ${command} (Python ${formatVersion(probe.info.version)})`);
      return { python: probe.info, source, preinstalled: false, tried };
    }
    tried.push(describeFailure(source, command, probe));
  }
  return { preinstalled: false, tried };
}

function describeFailure(source: PythonSource, command: string, probe: ProbeResult): string {
  if (probe.ok && probe.info) {
    return `${source}: ${command} is Python ${formatVersion(probe.info.version)}, but Code Coach needs ${MIN_PYTHON.join('.')} or newer`;
  }
  return `${source}: ${command} ${probe.error ?? 'could not be run'}`;
}

/** The message shown when no interpreter fits: what was tried and how to fix it. */
export function noPythonMessage(discovery: Discovery): string {
  return (
    `Code Coach needs Python ${MIN_PYTHON.join('.')} or newer and could not find one. ` +
    'Install Python (python.org, or your system package manager) or set "codecoach.python.interpreter" ' +
    'to the full path of a Python 3.10+ interpreter, then run "Code Coach: Restart Server". ' +
    `Tried: ${discovery.tried.join('; ') || 'nothing'}.`
  );
}
