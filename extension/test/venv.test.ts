import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvMarker, compareVersions, decideRebuild, parseMarker, pickWheel, pipProgress, venvPython } from '../src/core/venv.ts';

const wanted = { extensionVersion: '0.2.0', wheel: 'codecoach-0.2.0-py3-none-any.whl', wheelSha256: 'abc', basePython: '/usr/bin/python3.11' };
const marker: EnvMarker = { ...wanted, pythonVersion: '3.11.7', createdAt: '2026-11-20T10:00:00Z' };

test('first run creates the environment', () => {
  assert.deepEqual(decideRebuild(undefined, wanted, false), { action: 'create', reason: 'first run: no private environment yet' });
});

test('same version, wheel and interpreter: reuse', () => {
  assert.deepEqual(decideRebuild(marker, wanted, true), { action: 'reuse' });
});

test('an extension update rebuilds', () => {
  const d = decideRebuild({ ...marker, extensionVersion: '0.1.0' }, wanted, true);
  assert.equal(d.action, 'rebuild');
  assert.match((d as { reason: string }).reason, /0\.1\.0 to 0\.2\.0/);
});

test('a different bundled wheel (same version, e.g. a dev build) rebuilds', () => {
  assert.equal(decideRebuild({ ...marker, wheelSha256: 'old' }, wanted, true).action, 'rebuild');
});

test('a different base interpreter rebuilds', () => {
  const d = decideRebuild({ ...marker, basePython: '/usr/bin/python3.10' }, wanted, true);
  assert.equal(d.action, 'rebuild');
  assert.match((d as { reason: string }).reason, /interpreter changed/);
});

test('a marker without its python (half-deleted folder) rebuilds', () => {
  assert.equal(decideRebuild(marker, wanted, false).action, 'rebuild');
});

test('marker parsing is tolerant', () => {
  assert.deepEqual(parseMarker(JSON.stringify(marker)), marker);
  assert.equal(parseMarker(undefined), undefined);
  assert.equal(parseMarker('{broken'), undefined);
  assert.equal(parseMarker('{"extensionVersion": 1}'), undefined);
});

test('wheel selection picks the newest codecoach wheel', () => {
  assert.equal(pickWheel(['README', 'codecoach-0.1.0-py3-none-any.whl', 'codecoach-0.10.0-py3-none-any.whl', 'codecoach-0.9.1-py3-none-any.whl']), 'codecoach-0.10.0-py3-none-any.whl');
  assert.equal(pickWheel(['other-1.0-py3-none-any.whl']), undefined);
  assert.equal(pickWheel([]), undefined);
  assert.ok(compareVersions('1.2.10', '1.2.9') > 0);
});

test('venv layout per platform', () => {
  assert.equal(venvPython('/s/server-env', 'linux'), '/s/server-env/bin/python');
  assert.match(venvPython('C:/s/server-env', 'win32'), /Scripts[\\/]python\.exe$/);
});

test('pip output becomes short progress messages', () => {
  assert.equal(pipProgress('Collecting pygls>=2.1'), 'Downloading pygls…');
  assert.equal(pipProgress('Installing collected packages: pygls, codecoach'), 'Installing packages…');
  assert.equal(pipProgress('  Downloading pygls-2.1.1-py3-none-any.whl (50 kB)'), undefined);
});
