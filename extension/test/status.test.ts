import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientStatusView, parseStatus, statusView } from '../src/core/status.ts';

const base = { provider: 'offline', breaker: 'closed', callsLeftToday: null, nextReset: null, message: '' };

test('offline', () => {
  const v = statusView(parseStatus({ ...base, state: 'offline' }), 'UTC');
  assert.equal(v.text, '$(mortar-board) Coach: offline');
  assert.match(v.tooltip, /nothing is uploaded/);
  assert.equal(v.background, undefined);
});

test('gemini shows the calls left today', () => {
  const v = statusView(parseStatus({ ...base, state: 'gemini', provider: 'gemini-3.5-flash-lite', callsLeftToday: 187 }), 'UTC');
  assert.equal(v.text, '$(sparkle) Coach: Gemini (187 left)');
  assert.match(v.tooltip, /Provider: gemini-3\.5-flash-lite/);
  assert.equal(statusView(parseStatus({ ...base, state: 'gemini' }), 'UTC').text, '$(sparkle) Coach: Gemini');
});

test('quota reached until HH:MM (in the given time zone)', () => {
  const v = statusView(parseStatus({ ...base, state: 'quota', nextReset: '2026-11-22T08:00:00Z', callsLeftToday: 0 }), 'UTC');
  assert.equal(v.text, '$(watch) Coach: quota reached until 08:00');
  assert.equal(v.background, 'statusBarItem.warningBackground');
  const berlin = statusView(parseStatus({ ...base, state: 'quota', nextReset: '2026-11-22T08:00:00Z' }), 'Europe/Berlin');
  assert.equal(berlin.text, '$(watch) Coach: quota reached until 09:00');
});

test('quota without a reset time', () => {
  assert.equal(statusView(parseStatus({ ...base, state: 'quota' }), 'UTC').text, '$(watch) Coach: quota reached');
});

test('degraded, with the server message and an open breaker in the tooltip', () => {
  const v = statusView(parseStatus({ ...base, state: 'degraded', breaker: 'open', message: 'Gemini timed out 3 times.' }), 'UTC');
  assert.equal(v.text, '$(warning) Coach: degraded');
  assert.match(v.tooltip, /Gemini timed out 3 times\./);
  assert.match(v.tooltip, /paused for a few minutes/);
});

test('garbage never throws and shows a neutral item', () => {
  for (const raw of [undefined, null, 42, 'x', [], { state: 'weird', nextReset: 'not a date', callsLeftToday: 'many' }]) {
    const s = parseStatus(raw);
    assert.equal(s.state, 'unknown');
    assert.equal(s.nextReset, null);
    assert.equal(s.callsLeftToday, null);
    assert.equal(statusView(s).text, '$(mortar-board) Coach');
  }
});

test('client lifecycle states', () => {
  assert.match(clientStatusView('starting').text, /sync~spin/);
  assert.match(clientStatusView('installing').text, /installing/);
  const err = clientStatusView('error', 'No Python found.');
  assert.equal(err.background, 'statusBarItem.errorBackground');
  assert.match(err.tooltip, /No Python found\./);
  assert.match(clientStatusView('stopped').text, /stopped/);
});
