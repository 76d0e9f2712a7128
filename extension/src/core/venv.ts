// The private environment in the extension's global storage: where it lives,
// what its marker records, and when it must be rebuilt. Pure decisions; the
// file system and process work are in ../bootstrap.ts.

import * as path from 'node:path';

export const MARKER_FILE = 'codecoach-env.json';

/** Written last, after a successful install: its presence means "complete". */
export interface EnvMarker {
  extensionVersion: string;
  wheel: string;
  wheelSha256: string;
  basePython: string;
  pythonVersion: string;
  createdAt: string;
}

export interface Wanted {
  extensionVersion: string;
  wheel: string;
  wheelSha256: string;
  basePython: string;
}

export type RebuildDecision =
  | { action: 'reuse' }
  | { action: 'create'; reason: string }
  | { action: 'rebuild'; reason: string };

export function parseMarker(text: string | undefined): EnvMarker | undefined {
  if (!text) return undefined;
  try {
    const m = JSON.parse(text) as Partial<EnvMarker>;
    if (typeof m.extensionVersion !== 'string' || typeof m.wheelSha256 !== 'string') return undefined;
    return {
      extensionVersion: m.extensionVersion,
      wheel: typeof m.wheel === 'string' ? m.wheel : '',
      wheelSha256: m.wheelSha256,
      basePython: typeof m.basePython === 'string' ? m.basePython : '',
      pythonVersion: typeof m.pythonVersion === 'string' ? m.pythonVersion : '',
      createdAt: typeof m.createdAt === 'string' ? m.createdAt : '',
    };
  } catch {
    return undefined;
  }
}

/**
 * Reuse the environment when it was completed for this extension version, this
 * server wheel and this base interpreter, and its Python still exists.
 */
export function decideRebuild(marker: EnvMarker | undefined, wanted: Wanted, venvPythonExists: boolean): RebuildDecision {
  if (!marker) {
    return { action: 'create', reason: 'first run: no private environment yet' };
  }
  if (marker.extensionVersion !== wanted.extensionVersion) {
    return { action: 'rebuild', reason: `extension updated from ${marker.extensionVersion} to ${wanted.extensionVersion}` };
  }
  if (marker.wheelSha256 !== wanted.wheelSha256) {
    return { action: 'rebuild', reason: `the bundled server changed (${marker.wheel || 'unknown'} -> ${wanted.wheel})` };
  }
  if (marker.basePython !== wanted.basePython) {
    return { action: 'rebuild', reason: `the interpreter changed from ${marker.basePython || 'unknown'} to ${wanted.basePython}` };
  }
  if (!venvPythonExists) {
    return { action: 'rebuild', reason: 'the environment is incomplete (its Python is missing)' };
  }
  return { action: 'reuse' };
}

/** The environment's interpreter inside a venv directory. */
export function venvPython(venvDir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python');
}

/** Turn pip's output lines into short progress messages ("Installing pygls…"). */
export function pipProgress(line: string): string | undefined {
  const t = line.trim();
  let m = /^Collecting ([A-Za-z0-9_.\-]+)/.exec(t);
  if (m) return `Downloading ${m[1]}…`;
  m = /^Processing .*?([A-Za-z0-9_.\-]+\.whl)/.exec(t);
  if (m) return `Processing ${m[1]}…`;
  if (/^Installing collected packages/.test(t)) return 'Installing packages…';
  if (/^Successfully installed/.test(t)) return 'Installed.';
  return undefined;
}

/** The wheel to ship: the newest-looking codecoach wheel in the folder listing. */
export function pickWheel(files: string[]): string | undefined {
  const wheels = files.filter((f) => /^codecoach-[^-]+-.*\.whl$/.test(f));
  wheels.sort((a, b) => compareVersions(wheelVersion(b), wheelVersion(a)));
  return wheels[0];
}

export function wheelVersion(file: string): string {
  return file.split('-')[1] ?? '';
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.+-]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x).localeCompare(String(y));
  }
  return 0;
}
