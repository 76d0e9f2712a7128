import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOP_CONCEPTS, TOP_MASTERY_LINES, buildSummaryModel, hourWindow, humanize, masteryChange, masteryLevel, masteryWord } from '../src/core/summaryModel.ts';

const day = (date: string, activeMinutes: number, findings: number, fixes: number) => ({ date, activeMinutes, findings, fixes });
const concept = (id: string, practiced: number, struggles: number, mastery = 'introduced', previousMastery = 'unseen') =>
  ({ concept: id, label: humanize(id), practiced, struggles, mastery, previousMastery });

const SAMPLE = {
  period: 'week', from: '2026-11-16', to: '2026-11-22',
  totals: { activeMinutes: 42, files: 3, findings: 17, fixes: 9, sessions: 4 },
  streak: { current: 3, longest: 5 },
  days: [day('2026-11-17', 20, 5, 4), day('2026-11-16', 10, 3, 2)],
  hours: [],
  concepts: [
    concept('loops', 12, 3, 'improving', 'struggling'),
    concept('recursion', 2, 5, 'struggling', 'practicing'),
    concept('strings', 4, 0, 'practicing', 'practicing'),
    concept('comparisons', 1, 1, 'introduced', 'unseen'),
  ],
  masterySeries: [
    { date: '2026-11-17', levels: { loops: 4, recursion: 2 } },
    { date: '2026-11-16', levels: { loops: 2 } },
  ],
  topStruggles: [{ rule: 'CC301', message: 'Looping over `range(len(x))`', concept: 'loops', count: 4 }],
  improved: [{ concept: 'loops', label: 'Loops', before: 5, after: 2 }],
  narrative: 'A good week.', generatedBy: 'template',
};

test('the documented summary becomes the charts and tables', () => {
  const m = buildSummaryModel(SAMPLE);
  assert.deepEqual(m.problems, []);
  assert.equal(m.title, 'This week');
  assert.equal(m.rangeText, '2026-11-16 to 2026-11-22');
  assert.equal(m.activity.unit, 'day');
  assert.deepEqual(m.activity.labels, ['2026-11-16', '2026-11-17'], 'days sorted by date');
  assert.deepEqual(m.activity.activeMinutes, [10, 20]);
  assert.deepEqual(m.concepts.labels, ['Recursion', 'Loops', 'Comparisons', 'Strings'], 'most struggled first');
  assert.deepEqual(m.concepts.struggles, [5, 3, 1, 0]);
  assert.deepEqual(m.mastery.series, [
    { concept: 'loops', label: 'Loops', levels: [2, 4], shown: true },
    { concept: 'recursion', label: 'Recursion', levels: [null, 2], shown: true },
  ]);
  assert.deepEqual(m.streak, { current: 3, longest: 5 });
  assert.equal(m.topStruggles[0].concept, 'Loops', 'a label, not the internal id');
  assert.equal(m.improved[0].label, 'Loops');
  assert.equal(m.empty, false);
});

test('mastery in words with clear arrows (not "unseen ↑ introduced" on every row)', () => {
  const rows = buildSummaryModel(SAMPLE).conceptTable;
  assert.deepEqual(rows.map((r) => [r.label, r.mastery, r.change]), [
    ['Loops', 'improving', '↑ up from needs practice'],
    ['Recursion', 'needs practice', '↓ down from practising'],
    ['Strings', 'practising', 'no change'],
    ['Comparisons', 'just met', 'new'],
  ]);
  assert.ok(rows.every((r) => !/unseen/.test(r.mastery + r.change)));
  assert.deepEqual(masteryChange('mastered', 'bogus'), { change: '', trend: '' });
  assert.equal(masteryWord('unseen'), 'not met yet');
});

test('who wrote the narrative, in words', () => {
  assert.equal(buildSummaryModel(SAMPLE).writtenBy, 'Written on this machine');
  assert.equal(buildSummaryModel({ ...SAMPLE, generatedBy: 'gemini' }).writtenBy, 'Written by Gemini');
  assert.equal(buildSummaryModel({ ...SAMPLE, narrative: '' }).writtenBy, '');
});

test('struggles by concept: the top 8, the rest left to the table', () => {
  const many = Array.from({ length: 15 }, (_, i) => concept(`c${String(i).padStart(2, '0')}`, 1, 15 - i));
  const m = buildSummaryModel({ ...SAMPLE, concepts: many });
  assert.equal(m.concepts.labels.length, TOP_CONCEPTS);
  assert.deepEqual(m.concepts.struggles, [15, 14, 13, 12, 11, 10, 9, 8]);
  assert.equal(m.concepts.more, 7);
  assert.equal(m.conceptTable.length, 15);
});

test('mastery over time: the 5 most active lines shown, the rest on demand', () => {
  const ids = Array.from({ length: 11 }, (_, i) => `k${i}`);
  const levels = Object.fromEntries(ids.map((id, i) => [id, i % 6]));
  const m = buildSummaryModel({ ...SAMPLE, masterySeries: [{ date: '2026-11-22', levels }] });
  assert.deepEqual(m.mastery.series.filter((s) => s.shown).map((s) => s.concept), ids.slice(0, TOP_MASTERY_LINES));
  assert.equal(m.mastery.series.length, 11);
});

test('today comes by hour, trimmed to the active hours', () => {
  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, activeMinutes: hour === 10 ? 35 : hour === 11 ? 5 : 0, findings: hour === 10 ? 3 : 0, fixes: hour === 14 ? 1 : 0 }));
  const m = buildSummaryModel({ ...SAMPLE, period: 'day', from: '2026-11-22', to: '2026-11-22', days: [day('2026-11-22', 40, 3, 1)], hours });
  assert.equal(m.title, 'Today');
  assert.equal(m.rangeText, '2026-11-22');
  assert.equal(m.activity.unit, 'hour');
  assert.equal(m.activity.labels[0], '08:00');
  assert.equal(m.activity.labels.at(-1), '15:00');
  assert.deepEqual(m.activity.activeMinutes.slice(0, 4), [0, 0, 35, 5]);
  assert.equal(m.activity.fixes[m.activity.labels.indexOf('14:00')], 1);
  // An older server without hours: one bar for the day, as before.
  assert.equal(buildSummaryModel({ ...SAMPLE, period: 'day', hours: [] }).activity.unit, 'day');
  assert.deepEqual(hourWindow([]), [9, 17]);
  assert.deepEqual(hourWindow([0]), [0, 7]);
  assert.deepEqual(hourWindow([23]), [16, 23]);
  assert.deepEqual(hourWindow([8, 20]), [7, 21]);
  assert.deepEqual(hourWindow([7]), [1, 8], 'widened into the morning, not into hours still to come');
});

test('missing fields render as empty, never throw, and are reported', () => {
  for (const raw of [undefined, null, 'oops', 3, [], {}, { days: 'no', concepts: [null, 1, 'x'], masterySeries: [{}], totals: null }]) {
    const m = buildSummaryModel(raw);
    assert.deepEqual(m.activity.labels, []);
    assert.deepEqual(m.concepts.labels, []);
    assert.deepEqual(m.mastery.series, []);
    assert.equal(m.empty, true);
    assert.ok(m.totals.every((t) => t.value === 0));
    assert.ok(m.problems.length > 0, `problems for ${JSON.stringify(raw)}`);
  }
  const m = buildSummaryModel({ ...SAMPLE, totals: { ...SAMPLE.totals, fixes: 'nine' }, extra: 1 });
  assert.equal(m.totals.find((t) => t.label === 'Fixed')?.value, 0);
  assert.deepEqual(m.problems, ['summary.totals.fixes: expected integer, got string', 'summary.extra: not declared']);
});

test('mastery levels and labels', () => {
  assert.equal(masteryLevel('improving'), 4);
  assert.equal(masteryLevel(0), 0);
  assert.equal(masteryLevel(7), 5);
  assert.equal(masteryLevel('nope'), null);
  assert.equal(humanize('list_comprehension'), 'List comprehension');
  assert.equal(humanize(''), '');
});
