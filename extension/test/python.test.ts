import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiscoveryDeps, ProbeResult, discoverPython, noPythonMessage, parseProbeOutput, versionOk } from '../src/core/python.ts';

/** A fake machine: which commands exist and which Python version each is. */
function deps(over: Partial<DiscoveryDeps> & { pythons?: Record<string, [number, number, number] | 'missing'> }): DiscoveryDeps & { probed: string[] } {
  const pythons = over.pythons ?? {};
  const probed: string[] = [];
  return {
    probed,
    serverPythonSetting: () => undefined,
    serverPythonEnv: () => undefined,
    pythonExtensionInterpreter: async () => undefined,
    interpreterSetting: () => undefined,
    pathCandidates: () => ['python3', 'python'],
    probe: async (command: string): Promise<ProbeResult> => {
      probed.push(command);
      const v = pythons[command];
      if (!v || v === 'missing') return { ok: false, error: 'was not found' };
      return { ok: true, info: { command, executable: `/usr/bin/${command}`, version: v } };
    },
    ...over,
  };
}

test('versionOk: 3.10 and newer', () => {
  assert.equal(versionOk([3, 10, 0]), true);
  assert.equal(versionOk([3, 13, 1]), true);
  assert.equal(versionOk([4, 0, 0]), true);
  assert.equal(versionOk([3, 9, 18]), false);
  assert.equal(versionOk([2, 7, 18]), false);
});

test('the Python extension wins over the setting and PATH', async () => {
  const d = deps({
    pythons: { '/venv/bin/python': [3, 12, 1], '/opt/py': [3, 11, 0], python3: [3, 11, 2] },
    pythonExtensionInterpreter: async () => '/venv/bin/python',
    interpreterSetting: () => '/opt/py',
  });
  const r = await discoverPython(d);
  assert.equal(r.source, 'Python extension');
  assert.equal(r.python?.command, '/venv/bin/python');
  assert.equal(r.preinstalled, false);
});

test('without the Python extension, codecoach.python.interpreter is used', async () => {
  const d = deps({ pythons: { '/opt/py': [3, 11, 0], python3: [3, 12, 0] }, interpreterSetting: () => '  /opt/py  ' });
  const r = await discoverPython(d);
  assert.equal(r.source, 'codecoach.python.interpreter');
  assert.equal(r.python?.command, '/opt/py');
});

test('falls back to python3 on PATH, then python', async () => {
  let r = await discoverPython(deps({ pythons: { python3: [3, 10, 12] } }));
  assert.equal(r.source, 'PATH');
  assert.equal(r.python?.command, 'python3');
  r = await discoverPython(deps({ pythons: { python3: 'missing', python: [3, 11, 0] } }));
  assert.equal(r.python?.command, 'python');
});

test('a too-old interpreter is skipped with a reason, and the next one is tried', async () => {
  const d = deps({ pythons: { '/old/python': [3, 8, 10], python3: [3, 11, 0] }, pythonExtensionInterpreter: async () => '/old/python' });
  const r = await discoverPython(d);
  assert.equal(r.python?.command, 'python3');
  assert.match(r.tried[0], /Python 3\.8\.10, but Code Coach needs 3\.10/);
});

test('nothing suitable: no python, and an actionable message listing what was tried', async () => {
  const d = deps({ pythons: { python3: [3, 9, 2] } });
  const r = await discoverPython(d);
  assert.equal(r.python, undefined);
  const msg = noPythonMessage(r);
  assert.match(msg, /needs Python 3\.10 or newer/);
  assert.match(msg, /codecoach\.python\.interpreter/);
  assert.match(msg, /python3 is Python 3\.9\.2/);
  assert.match(msg, /python was not found/);
});

test('the development interpreter (setting, then env) is used as is, skipping the venv', async () => {
  let r = await discoverPython(deps({ pythons: { '/dev/py': [3, 11, 0], python3: [3, 12, 0] }, serverPythonSetting: () => '/dev/py' }));
  assert.equal(r.preinstalled, true);
  assert.equal(r.source, 'server.python setting');
  r = await discoverPython(deps({ pythons: { '/env/py': [3, 11, 0] }, serverPythonEnv: () => '/env/py' }));
  assert.equal(r.preinstalled, true);
  assert.equal(r.source, 'CODECOACH_SERVER_PYTHON');
});

test('a broken development interpreter falls back to the normal discovery', async () => {
  const r = await discoverPython(deps({ pythons: { python3: [3, 12, 0] }, serverPythonSetting: () => '/gone/python' }));
  assert.equal(r.preinstalled, false);
  assert.equal(r.python?.command, 'python3');
  assert.match(r.tried[0], /\/gone\/python was not found/);
});

test('a failing Python extension API does not stop discovery', async () => {
  const r = await discoverPython(deps({ pythons: { python3: [3, 12, 0] }, pythonExtensionInterpreter: async () => { throw new Error('boom'); } }));
  assert.equal(r.python?.command, 'python3');
  assert.match(r.tried[0], /could not be asked/);
});

test('the same command is probed once', async () => {
  const d = deps({ pythons: { python3: [3, 9, 0] }, interpreterSetting: () => 'python3' });
  await discoverPython(d);
  assert.deepEqual(d.probed.filter((c) => c === 'python3').length, 1);
});

test('parseProbeOutput reads the JSON line and tolerates noise', () => {
  const r = parseProbeOutput('python3', 'pyenv: some warning\n[[3, 11, 7], "/usr/bin/python3.11"]\n');
  assert.deepEqual(r.info?.version, [3, 11, 7]);
  assert.equal(r.info?.executable, '/usr/bin/python3.11');
  assert.equal(parseProbeOutput('x', 'garbage').ok, false);
  assert.equal(parseProbeOutput('x', '[not json').ok, false);
});
