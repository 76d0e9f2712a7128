import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ANALYSIS_KEYS, describeEnv, didChangeConfigurationParams, needsRestart, serverEnv, serverSettings } from '../src/core/settings.ts';
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const props: Record<string, { default: unknown; description?: string; markdownDescription?: string }> = manifest.contributes.configuration.properties;

/** A reader backed by the manifest defaults plus overrides, like WorkspaceConfiguration.get. */
function reader(over: Record<string, unknown> = {}) {
  return (key: string) => (key in over ? over[key] : props[`codecoach.${key}`]?.default);
}

test('every setting the server reads is contributed, with a description and a default', () => {
  const serverSide = readFileSync(new URL('../../server/codecoach/config.py', import.meta.url), 'utf8');
  const names = [...serverSide.matchAll(/Setting\("(\w+)"/g)].map((m) => m[1]);
  assert.ok(names.length >= 9, 'found the server settings table');
  for (const name of names) {
    const p = props[`codecoach.${name}`];
    assert.ok(p, `codecoach.${name} is contributed`);
    assert.ok(p.description || p.markdownDescription, `codecoach.${name} has a description`);
    assert.ok('default' in p, `codecoach.${name} has a default`);
    assert.ok((ANALYSIS_KEYS as readonly string[]).includes(name), `${name} is sent to the server`);
  }
  for (const key of ['cloud.enabled', 'cloud.model', 'cloud.requestsPerMinute', 'cloud.requestsPerDay', 'exclude', 'dataDir', 'chroma.host', 'chroma.port', 'python.interpreter']) {
    assert.ok(props[`codecoach.${key}`], `codecoach.${key} is contributed`);
  }
  assert.equal(props['codecoach.cloud.enabled'].default, false);
  assert.equal(props['codecoach.cloud.model'].default, 'gemini-2.5-flash');
  assert.equal(props['codecoach.cloud.requestsPerMinute'].default, 8);
  assert.equal(props['codecoach.cloud.requestsPerDay'].default, 200);
});

test('defaults map to the section the server expects', () => {
  const s = serverSettings(reader());
  assert.equal(s.debounceMs, 300);
  assert.equal(s.logLevel, 'info');
  assert.deepEqual(s.disabledRules, []);
  assert.deepEqual(s.cloud, { enabled: false, model: 'gemini-2.5-flash', requestsPerMinute: 8, requestsPerDay: 200 });
  assert.deepEqual(s.chroma, { host: '', port: 8000 });
  assert.equal(s.dataDir, '');
  assert.ok(!('python' in s) && !('server' in s) && !('trace' in s), 'client-only settings stay in the client');
});

test('user values pass through unchanged: the server validates and fails soft', () => {
  const s = serverSettings(reader({ debounceMs: 'fast', disabledRules: ['CC103'], ruleSeverity: { CC604: 'hint' } }));
  assert.equal(s.debounceMs, 'fast');
  assert.deepEqual(s.disabledRules, ['CC103']);
  assert.deepEqual(s.ruleSeverity, { CC604: 'hint' });
});

test('bad client-side values fall back to defaults', () => {
  const s = serverSettings(reader({ 'cloud.model': '  ', 'cloud.requestsPerDay': 'lots', exclude: ['**/gen/**', 3, ''] }));
  assert.equal(s.cloud.model, 'gemini-2.5-flash');
  assert.equal(s.cloud.requestsPerDay, 200);
  assert.deepEqual(s.exclude, ['**/gen/**']);
});

test('didChangeConfiguration wraps the section as {settings: {codecoach: ...}}', () => {
  const p = didChangeConfigurationParams(reader({ debounceMs: 50 }));
  assert.equal(p.settings.codecoach.debounceMs, 50);
});

test('the API key reaches the environment only when cloud analysis is on, and never the log', () => {
  const key = 'AIzaSyTHIS-IS-NOT-A-REAL-KEY-000000000000';
  const off = serverEnv({ PATH: '/bin', GOOGLE_API_KEY: 'leaked-from-shell' }, serverSettings(reader()), key);
  assert.equal(off.GOOGLE_API_KEY, undefined);
  const on = serverEnv({ PATH: '/bin' }, serverSettings(reader({ 'cloud.enabled': true })), key);
  assert.equal(on.GOOGLE_API_KEY, key);
  assert.equal(on.PATH, '/bin');
  const described = describeEnv(on);
  assert.ok(!described.includes(key));
  assert.match(described, /GOOGLE_API_KEY set \(hidden\)/);
  assert.ok(!JSON.stringify(serverSettings(reader({ 'cloud.enabled': true }))).includes(key));
});

test('data dir and Chroma server become environment variables', () => {
  const env = serverEnv({}, serverSettings(reader({ dataDir: '/data/cc', 'chroma.host': 'chroma.lan', 'chroma.port': 9000 })), undefined);
  assert.equal(env.CODECOACH_DATA_DIR, '/data/cc');
  assert.equal(env.CHROMA_HOST, 'chroma.lan');
  assert.equal(env.CHROMA_PORT, '9000');
  const none = serverEnv({}, serverSettings(reader()), undefined);
  assert.equal(none.CODECOACH_DATA_DIR, undefined);
  assert.equal(none.CHROMA_HOST, undefined);
});

test('process-level settings restart the server; analysis settings do not', () => {
  const affects = (changed: string) => (s: string) => s === changed || changed.startsWith(s + '.');
  assert.equal(needsRestart(affects('codecoach.python.interpreter')), true);
  assert.equal(needsRestart(affects('codecoach.dataDir')), true);
  assert.equal(needsRestart(affects('codecoach.cloud.enabled')), true);
  assert.equal(needsRestart(affects('codecoach.debounceMs')), false);
  assert.equal(needsRestart(affects('codecoach.cloud.model')), false);
});
