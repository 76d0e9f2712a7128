import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NoticeMemory, clientStatusView, noticesFor, parseStatus, statusView } from '../src/core/status.ts';

const base = { provider: 'offline', breaker: 'closed', callsLeftToday: null, nextReset: null, message: '', memory: 'ok' };
const view = (o: object) => statusView(parseStatus({ ...base, ...o }), 'UTC');
const count = (text: string, word: string) => text.toLowerCase().split(word).length - 1;

test('offline says so once, with what it means (issue 16 item 8: "offline" three times)', () => {
  const v = view({ state: 'offline', message: 'Offline coach: rules, concepts and editing hints (cloud analysis is off)' });
  assert.equal(v.text, '$(mortar-board) Coach: offline');
  assert.match(v.tooltip, /nothing is uploaded/);
  assert.equal(count(v.tooltip, 'offline'), 1, v.tooltip);
  assert.equal(v.background, undefined);
});

test('gemini shows the calls left today and when the budget resets', () => {
  const v = view({ state: 'gemini', provider: 'gemini', callsLeftToday: 187, nextReset: '2026-11-22T08:00:00Z' });
  assert.equal(v.text, '$(sparkle) Coach: Gemini (187 left)');
  assert.match(v.tooltip, /187 calls left today; the budget resets at 08:00/);
  assert.equal(view({ state: 'gemini' }).text, '$(sparkle) Coach: Gemini');
});

test('checking the key: not "Gemini" before a verified call', () => {
  const v = view({ state: 'checking', provider: 'gemini', callsLeftToday: 200 });
  assert.equal(v.text, '$(sync~spin) Coach: checking key');
  assert.doesNotMatch(v.text, /Gemini \(/);
  assert.match(v.tooltip, /offline coach works meanwhile/);
});

test('a rejected key and an unreachable Gemini say plainly what is wrong', () => {
  const rejected = view({ state: 'key-rejected', message: 'gemini: 400 API_KEY_INVALID' });
  assert.equal(rejected.text, '$(key) Coach: key rejected');
  assert.match(rejected.tooltip, /^Google rejected the Gemini API key/);
  assert.doesNotMatch(rejected.tooltip, /API_KEY_INVALID/, 'raw errors belong in the log');
  assert.equal(rejected.background, 'statusBarItem.warningBackground');
  const unreachable = view({ state: 'unreachable', message: 'ConnectError: [Errno 111] Connection refused' });
  assert.equal(unreachable.text, '$(debug-disconnect) Coach: Gemini unreachable');
  assert.match(unreachable.tooltip, /Gemini can't be reached; the offline coach keeps working/);
  assert.doesNotMatch(unreachable.tooltip, /Errno/);
});

test('quota reached until HH:MM (in the given time zone)', () => {
  assert.equal(view({ state: 'quota', nextReset: '2026-11-22T08:00:00Z', callsLeftToday: 0 }).text, '$(watch) Coach: quota reached until 08:00');
  const berlin = statusView(parseStatus({ ...base, state: 'quota', nextReset: '2026-11-22T08:00:00Z' }), 'Europe/Berlin');
  assert.equal(berlin.text, '$(watch) Coach: quota reached until 09:00');
  assert.equal(view({ state: 'quota' }).text, '$(watch) Coach: quota reached');
});

test('degraded says what is limited in plain words; the raw error stays in the log', () => {
  const paused = view({ state: 'degraded', breaker: 'open', message: 'gemini failed 3 times; retrying in 5 min (offline meanwhile)' });
  assert.equal(paused.text, '$(warning) Coach: limited');
  assert.match(paused.tooltip, /^Gemini failed several times and is paused/);
  const failed = view({ state: 'degraded', message: 'Last gemini request failed (gemini: cannot connect (ConnectError: [Errno 111] Connection refused)); offline meanwhile' });
  assert.match(failed.tooltip, /^Gemini's last request failed, so the offline coach answers meanwhile\. Details are in the log\./);
  assert.doesNotMatch(failed.tooltip, /Errno/);
  assert.equal(count(failed.tooltip, 'offline'), 1, failed.tooltip);
  assert.match(view({ state: 'degraded', memory: 'degraded' }).tooltip, /history cannot be saved/);
});

test('a notice is in the tooltip', () => {
  const notice = 'gemini-2.5-flash is not available; using gemini-3.8-flash — set codecoach.cloud.model';
  assert.ok(view({ state: 'gemini', notice }).tooltip.includes(notice));
});

test('unknown states and garbage never throw and show a neutral item', () => {
  assert.equal(view({ state: 'warming-up', message: 'Getting ready' }).text, '$(mortar-board) Coach');
  assert.match(view({ state: 'warming-up', message: 'Getting ready' }).tooltip, /Getting ready/);
  for (const raw of [undefined, null, 42, 'x', [], { state: 7, nextReset: 'not a date', callsLeftToday: 'many' }]) {
    const s = parseStatus(raw);
    assert.equal(s.nextReset, null);
    assert.equal(s.callsLeftToday, null);
    assert.equal(statusView(s).text, '$(mortar-board) Coach');
  }
});

test('one notification per problem, with the action that fixes it', () => {
  assert.deepEqual(noticesFor(parseStatus({ ...base, state: 'key-rejected' })).map((n) => n.actions), [['Set Gemini API Key', 'Stay Offline']]);
  assert.deepEqual(noticesFor(parseStatus({ ...base, state: 'unreachable' })).map((n) => n.actions), [['Open Logs', 'Stay Offline']]);
  assert.deepEqual(noticesFor(parseStatus({ ...base, state: 'gemini', notice: 'model replaced' })).map((n) => n.actions), [['Open Settings']]);
  assert.deepEqual(noticesFor(parseStatus({ ...base, state: 'degraded', breaker: 'open' })).map((n) => n.key), ['paused']);
  assert.deepEqual(noticesFor(parseStatus({ ...base, state: 'degraded' })), [], 'one failed request is not worth a notification');
  assert.deepEqual(noticesFor(parseStatus({ ...base, state: 'offline' })), []);

  const memory = new NoticeMemory();
  const unreachable = parseStatus({ ...base, state: 'unreachable', message: 'try 1' });
  assert.equal(memory.take(unreachable).length, 1);
  assert.equal(memory.take(parseStatus({ ...base, state: 'unreachable', message: 'try 2' })).length, 0, 'status messages repeat; the notification does not');
  assert.equal(memory.take(parseStatus({ ...base, state: 'degraded' })).length, 0);
  assert.equal(memory.take(unreachable).length, 0, 'still the same problem');
  memory.take(parseStatus({ ...base, state: 'gemini' })); // a verified call: the problem is over
  assert.equal(memory.take(unreachable).length, 1, 'a new failure after a good call is news');
  memory.reset();
  assert.equal(memory.take(parseStatus({ ...base, state: 'gemini', notice: 'n' })).length, 1);
  assert.equal(memory.take(parseStatus({ ...base, state: 'gemini', notice: 'n' })).length, 0);
});

test('client lifecycle states', () => {
  assert.match(clientStatusView('starting').text, /sync~spin/);
  assert.match(clientStatusView('installing').text, /installing/);
  const err = clientStatusView('error', 'No Python found.');
  assert.equal(err.background, 'statusBarItem.errorBackground');
  assert.match(err.tooltip, /No Python found\./);
  assert.match(clientStatusView('stopped').text, /stopped/);
});
