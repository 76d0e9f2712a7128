import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSummaryModel, humanize, masteryLevel } from '../src/core/summaryModel.ts';

const SAMPLE = {
  period: 'week', from: '2026-11-16', to: '2026-11-22',
  totals: { activeMinutes: 42, files: 3, findings: 17, fixes: 9, sessions: 4 },
  streak: { current: 3, longest: 5 },
  days: [
    { date: '2026-11-17', activeMinutes: 20, findings: 5, fixes: 4 },
    { date: '2026-11-16', activeMinutes: 10, findings: 3, fixes: 2 },
  ],
  concepts: [
    { concept: 'loops', label: 'Loops', practiced: 12, struggles: 3, mastery: 'improving', previousMastery: 'struggling' },
    { concept: 'recursion', label: 'Recursion', practiced: 2, struggles: 5, mastery: 'struggling', previousMastery: 'practicing' },
  ],
  masterySeries: [
    { date: '2026-11-17', levels: { loops: 4, recursion: 2 } },
    { date: '2026-11-16', levels: { loops: 2 } },
  ],
  topStruggles: [{ rule: 'CC301', message: 'Looping over range(len(x))', concept: 'loops', count: 4 }],
  improved: [{ concept: 'loops', label: 'Loops', before: 5, after: 2 }],
  narrative: 'A good week.', generatedBy: 'template',
};

test('the documented summary becomes three chart data sets', () => {
  const m = buildSummaryModel(SAMPLE);
  assert.equal(m.title, 'This week');
  assert.deepEqual(m.activity.labels, ['2026-11-16', '2026-11-17'], 'days sorted by date');
  assert.deepEqual(m.activity.activeMinutes, [10, 20]);
  assert.deepEqual(m.activity.findings, [3, 5]);
  assert.deepEqual(m.activity.fixes, [2, 4]);
  assert.deepEqual(m.concepts.labels, ['Recursion', 'Loops'], 'most struggled first');
  assert.deepEqual(m.concepts.struggles, [5, 3]);
  assert.deepEqual(m.concepts.practiced, [2, 12]);
  assert.deepEqual(m.mastery.labels, ['2026-11-16', '2026-11-17']);
  assert.deepEqual(m.mastery.series, [
    { concept: 'loops', label: 'Loops', levels: [2, 4] },
    { concept: 'recursion', label: 'Recursion', levels: [null, 2] },
  ]);
  assert.deepEqual(m.totals.find((t) => t.label === 'Active minutes')?.value, 42);
  assert.deepEqual(m.streak, { current: 3, longest: 5 });
  assert.equal(m.conceptTable[0].trend, 'up');
  assert.equal(m.conceptTable[1].trend, 'down');
  assert.equal(m.topStruggles[0].rule, 'CC301');
  assert.equal(m.improved[0].label, 'Loops');
  assert.equal(m.narrative, 'A good week.');
  assert.equal(m.empty, false);
});

test('missing fields render as empty, never throw', () => {
  for (const raw of [undefined, null, 'oops', 3, [], {}, { days: 'no', concepts: [null, 1, 'x'], masterySeries: [{}], totals: null }]) {
    const m = buildSummaryModel(raw);
    assert.deepEqual(m.activity.labels, []);
    assert.deepEqual(m.concepts.labels, []);
    assert.deepEqual(m.mastery.series, []);
    assert.equal(m.empty, true);
    assert.equal(m.totals.length, 5);
    assert.ok(m.totals.every((t) => t.value === 0));
  }
});

test('mistyped values become zero or are dropped', () => {
  const m = buildSummaryModel({
    period: 'day',
    days: [{ date: '2026-11-20', activeMinutes: 'ten', findings: NaN }],
    concepts: [{ concept: 'list_comprehension', practiced: '3' }],
    masterySeries: [{ date: '2026-11-20', levels: { list_comprehension: 'mastered', x: 'bogus', y: 9 } }],
  });
  assert.equal(m.title, 'Today');
  assert.deepEqual(m.activity.activeMinutes, [0]);
  assert.deepEqual(m.activity.findings, [0]);
  assert.deepEqual(m.concepts.labels, ['List comprehension']);
  assert.deepEqual(m.mastery.series.map((s) => s.levels), [[5], [null], [5]]);
});

test('mastery levels and labels', () => {
  assert.equal(masteryLevel('improving'), 4);
  assert.equal(masteryLevel(0), 0);
  assert.equal(masteryLevel(7), 5);
  assert.equal(masteryLevel('nope'), null);
  assert.equal(humanize('list_comprehension'), 'List comprehension');
  assert.equal(humanize(''), '');
});
