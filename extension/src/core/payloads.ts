// Every JSON payload the Code Coach server sends the extension, declared once.
// From these declarations come the TypeScript types the pages use, the runtime
// checks (forgiving: see shape.ts) and docs/payloads.schema.json, which the
// Python test tests/lsp/test_payloads.py checks the real server's answers
// against. Change a payload here, run `npm run -s payloads:schema`, and both
// sides agree again; a unit test fails while the JSON file is stale.

import { Infer, arr, bool, int, nullable, num, obj, optional, record, str } from './shape';

const ruleCount = obj({ rule: str, message: str, count: int });

/** `codecoach.showSummary` {period: 'day'|'week'} */
export const Summary = obj({
  period: str,
  from: str,
  to: str,
  totals: obj({ activeMinutes: int, files: int, findings: int, fixes: int, sessions: int }),
  streak: obj({ current: int, longest: int }),
  days: arr(obj({ date: str, activeMinutes: int, findings: int, fixes: int })),
  /** Local hours 0..23 of a one-day period (empty for longer periods). */
  hours: arr(obj({ hour: int, activeMinutes: int, findings: int, fixes: int })),
  concepts: arr(obj({ concept: str, label: str, practiced: int, struggles: int, mastery: str, previousMastery: str })),
  masterySeries: arr(obj({ date: str, levels: record(int) })),
  topStruggles: arr(obj({ rule: str, message: str, concept: str, count: int })),
  improved: arr(obj({ concept: str, label: str, before: int, after: int })),
  narrative: str,
  generatedBy: str,
});

/** `codecoach.showInsights` */
export const Insights = obj({
  files: arr(obj({
    file: str,
    topics: arr(str),
    keyMistakes: arr(ruleCount),
    difficulty: int,
    /** Concept occurrences in the file's code: what its difficulty rests on, with the open mistakes. */
    uses: int,
    openConfusion: arr(obj({ rule: str, message: str, line: int })),
    lastAnalysis: nullable(str),
    source: str,
  })),
  workspace: obj({
    keyMistakes: arr(ruleCount),
    topics: arr(str),
    topicDifficulty: arr(obj({ concept: str, label: str, difficulty: int, struggles: int, uses: int })),
    lastAnalysis: nullable(str),
    difficultyNote: str,
  }),
});

/** `codecoach.showRecommendations` {concept?} — catalogue items carry label/id/score, Gemini's carry source. */
export const Recommendations = obj({
  items: arr(obj({
    title: str,
    url: str,
    why: str,
    concept: str,
    rule: str,
    label: optional(str),
    id: optional(str),
    score: optional(num),
    source: optional(str),
  })),
});

/** `codecoach.explain` {uri, range}: the mistakes in the range, or what the selected code uses. */
export const Explanation = obj({
  markdown: str,
  rules: arr(str),
  concepts: optional(arr(str)),
});

/** `codecoach.disableRule` {rule} */
export const DisabledRules = obj({ disabledRules: arr(str) });

/** `codecoach.feedback` {rule, helpful} */
export const FeedbackRecorded = obj({ recorded: bool });

/** The `codecoach/status` notification. `state` stays a string: a state this client does not know degrades gracefully. */
export const Status = obj({
  state: str,
  provider: str,
  breaker: str,
  callsLeftToday: nullable(int),
  nextReset: nullable(str),
  message: str,
  memory: str,
  /** The Gemini model in use (after the Models API check), or null while none is. */
  model: optional(nullable(str)),
  /** One sentence the learner should read once (e.g. the configured model was replaced). */
  notice: optional(str),
});

export type SummaryPayload = Infer<typeof Summary>;
export type InsightsPayload = Infer<typeof Insights>;
export type RecommendationsPayload = Infer<typeof Recommendations>;
export type ExplanationPayload = Infer<typeof Explanation>;
export type StatusPayload = Infer<typeof Status>;

/** Server command (or notification) -> the shape of its result; the schema file is generated from this. */
export const PAYLOADS = {
  'codecoach.showSummary': Summary,
  'codecoach.showInsights': Insights,
  'codecoach.showRecommendations': Recommendations,
  'codecoach.explain': Explanation,
  'codecoach.disableRule': DisabledRules,
  'codecoach.feedback': FeedbackRecorded,
  'codecoach/status': Status,
} as const;

const position = obj({ line: int, character: int });

/**
 * The argument of each Quick Fix command the server puts in a code action; the
 * client runs them with it (core/codeActions.ts), the Python test checks the
 * server's code actions against it.
 */
export const CODE_ACTION_ARGUMENTS = {
  'codecoach.explain': obj({ uri: str, range: obj({ start: position, end: position }) }),
  'codecoach.showRecommendations': obj({ concept: str }),
  'codecoach.disableRule': obj({ rule: str }),
} as const;

/** docs/payloads.schema.json: one JSON Schema per payload (`payloads`) and per Quick Fix argument (`codeActionArguments`). */
export function payloadSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $comment: 'Generated from extension/src/core/payloads.ts by `npm run -s payloads:schema`; do not edit by hand.',
    title: 'Code Coach server payloads',
    payloads: Object.fromEntries(Object.entries(PAYLOADS).map(([name, shape]) => [name, shape.schema()])),
    codeActionArguments: Object.fromEntries(Object.entries(CODE_ACTION_ARGUMENTS).map(([name, shape]) => [name, shape.schema()])),
  };
}
