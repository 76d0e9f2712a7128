import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describeEnv, didChangeConfigurationParams, needsRestart, processSettings, serverEnv, serverSettings } from '../src/core/settings.ts';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const props: Record<string, { default: unknown; description?: string; markdownDescription?: string }> = manifest.contributes.configuration.properties;

/** A reader backed by the manifest defaults plus overrides, like WorkspaceConfiguration.get. */
function reader(over: Record<string, unknown> = {}) {
  return (key: string) => (key in over ? over[key] : props[`codecoach.${key}`]?.default);
}

// That every server setting is contributed with the server's default and bounds, and mapped by
// SERVER_NAMES, is checked against the server's own table by tests/test_settings_contract.py.

test('the client-side settings named in the brief are contributed', () => {
  for (const key of ['cloud.enabled', 'cloud.model', 'cloud.requestsPerMinute', 'cloud.requestsPerDay', 'excludeGlobs', 'dataDir', 'chroma.host', 'chroma.port', 'python.interpreter', 'server.python']) {
    const p = props[`codecoach.${key}`];
    assert.ok(p && (p.description || p.markdownDescription) && 'default' in p, `codecoach.${key}`);
  }
  assert.equal(props['codecoach.cloud.enabled'].default, false);
  assert.equal(props['codecoach.cloud.model'].default, 'gemini-3.5-flash-lite');
  assert.equal(props['codecoach.cloud.requestsPerMinute'].default, 8);
  assert.equal(props['codecoach.cloud.requestsPerDay'].default, 200);
});

test('defaults map to the flat section the server expects, with its names', () => {
  const s = serverSettings(reader());
  assert.equal(s.debounceMs, 300);
  assert.equal(s.logLevel, 'info');
  assert.deepEqual(s.disabledRules, []);
  assert.equal(s.cloudEnabled, false);
  assert.equal(s.model, 'gemini-3.5-flash-lite');
  assert.equal(s.requestsPerMinute, 8);
  assert.equal(s.requestsPerDay, 200);
  for (const k of ['python', 'server', 'trace', 'dataDir', 'chroma', 'cloud']) assert.ok(!(k in s), `${k} stays in the client`);
});

test('user values pass through unchanged: the server validates and fails soft', () => {
  const s = serverSettings(reader({ debounceMs: 'fast', disabledRules: ['CC103'], ruleSeverity: { CC604: 'hint' }, 'cloud.model': '' }));
  assert.equal(s.debounceMs, 'fast');
  assert.deepEqual(s.disabledRules, ['CC103']);
  assert.deepEqual(s.ruleSeverity, { CC604: 'hint' });
  assert.equal(s.model, '');
});

test('didChangeConfiguration wraps the section as {settings: {codecoach: ...}}', () => {
  const p = didChangeConfigurationParams(reader({ debounceMs: 50 }));
  assert.equal(p.settings.codecoach.debounceMs, 50);
});

test('the API key reaches the environment only when cloud analysis is on, and never the log', () => {
  // Shaped like a Google key (built here so no key-shaped literal sits in the repo); not a real one.
  const key = ['AIza', 'Sy', 'THIS-IS-NOT-A-REAL-KEY-000000000000'].join('');
  const off = serverEnv({ PATH: '/bin', GOOGLE_API_KEY: 'leaked-from-shell' }, processSettings(reader()), key);
  assert.equal(off.GOOGLE_API_KEY, undefined);
  const on = serverEnv({ PATH: '/bin' }, processSettings(reader({ 'cloud.enabled': true })), key);
  assert.equal(on.GOOGLE_API_KEY, key);
  assert.equal(on.PATH, '/bin');
  const described = describeEnv(on);
  assert.ok(!described.includes(key));
  assert.match(described, /GOOGLE_API_KEY set \(hidden\)/);
  assert.ok(!JSON.stringify(serverSettings(reader({ 'cloud.enabled': true }))).includes(key));
});

test('data dir and Chroma server become environment variables', () => {
  const env = serverEnv({}, processSettings(reader({ dataDir: ' /data/cc ', 'chroma.host': 'chroma.lan', 'chroma.port': 9000 })), undefined);
  assert.equal(env.CODECOACH_DATA_DIR, '/data/cc');
  assert.equal(env.CHROMA_HOST, 'chroma.lan');
  assert.equal(env.CHROMA_PORT, '9000');
  const none = serverEnv({}, processSettings(reader({ 'chroma.port': 'x' })), undefined);
  assert.equal(none.CODECOACH_DATA_DIR, undefined);
  assert.equal(none.CHROMA_HOST, undefined);
  assert.equal(processSettings(reader({ 'chroma.port': 'x' })).chroma.port, 8000);
});

test('process-level settings restart the server; analysis settings do not', () => {
  const affects = (changed: string) => (s: string) => s === changed || changed.startsWith(s + '.');
  assert.equal(needsRestart(affects('codecoach.python.interpreter')), true);
  assert.equal(needsRestart(affects('codecoach.dataDir')), true);
  assert.equal(needsRestart(affects('codecoach.cloud.enabled')), true);
  assert.equal(needsRestart(affects('codecoach.debounceMs')), false);
  assert.equal(needsRestart(affects('codecoach.cloud.model')), false);
});
