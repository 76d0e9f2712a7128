import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CODE_ACTION_ARGUMENTS, Explanation, PAYLOADS, Status } from '../src/core/payloads.ts';
import { arr, check, int, nullable, obj, optional, record, str } from '../src/core/shape.ts';
import { CODE_ACTION_COMMANDS } from '../src/core/codeActions.ts';
import { SCHEMA_FILE, schemaText } from '../scripts/payload-schema.ts';

test('docs/payloads.schema.json is what payloads.ts declares (run `npm run -s payloads:schema`)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
});

test('Explain Selection reads `rules`, the field the server sends (issue 16 item 7)', () => {
  const { value, problems } = check(Explanation, { markdown: '**CC102**', rules: ['CC102'] });
  assert.deepEqual(value.rules, ['CC102']);
  assert.deepEqual(problems, []);
  // The old client read `rule`: a payload with it is now reported, not silently empty.
  assert.deepEqual(check(Explanation, { markdown: 'x', rule: 'CC102' }).problems, ['$.rules: missing', '$.rule: not declared']);
});

test('shapes: neutral values for what is missing or mistyped, and a path to each problem', () => {
  const shape = obj({ a: str, n: int, list: arr(obj({ x: int })), maybe: nullable(str), opt: optional(str), levels: record(int) });
  const ok = check(shape, { a: 'x', n: 2, list: [{ x: 1 }], maybe: null, levels: { loops: 3 } });
  assert.deepEqual(ok, { value: { a: 'x', n: 2, list: [{ x: 1 }], maybe: null, levels: { loops: 3 } }, problems: [] });
  const bad = check(shape, { a: 1, n: 2.5, list: [{ x: 'no' }, 'q'], opt: 3, levels: { loops: 'high' } });
  assert.deepEqual(bad.value, { a: '', n: 0, list: [{ x: 0 }, { x: 0 }], maybe: null, opt: '', levels: { loops: 0 } });
  assert.deepEqual(bad.problems, [
    '$.a: expected string, got number',
    '$.n: expected integer, got number',
    '$.list[0].x: expected integer, got string',
    '$.list[1]: expected object, got string',
    '$.maybe: missing',
    '$.opt: expected string, got number',
    '$.levels.loops: expected integer, got string',
  ]);
  assert.deepEqual(check(shape, null).problems, ['$: expected object, got null']);
});

test('the JSON Schema says exactly which fields exist and which may be absent', () => {
  const schema = Status.schema() as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
  assert.equal(schema.additionalProperties, false);
  assert.ok(schema.required.includes('state') && !schema.required.includes('notice'));
  assert.deepEqual(schema.properties.callsLeftToday, { anyOf: [{ type: 'integer' }, { type: 'null' }] });
});

test('every payload and every Quick Fix command is declared once', () => {
  for (const name of ['codecoach.showSummary', 'codecoach.showInsights', 'codecoach.showRecommendations', 'codecoach.explain', 'codecoach/status']) {
    assert.ok(name in PAYLOADS, name);
  }
  assert.deepEqual(Object.keys(CODE_ACTION_ARGUMENTS).sort(), Object.keys(CODE_ACTION_COMMANDS).sort());
});
