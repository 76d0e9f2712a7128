// Turns the server's `codecoach.showSummary` JSON into everything the summary
// webview draws. Defensive by design: a missing or mistyped field renders as
// empty, never as an exception, so the view survives server changes.

export const MASTERY_LABELS = ['unseen', 'introduced', 'struggling', 'practicing', 'improving', 'mastered'] as const;

export interface SummaryModel {
  title: string;
  period: 'day' | 'week' | string;
  from: string;
  to: string;
  totals: Array<{ label: string; value: number }>;
  streak: { current: number; longest: number };
  activity: { labels: string[]; activeMinutes: number[]; findings: number[]; fixes: number[] };
  concepts: { labels: string[]; practiced: number[]; struggles: number[] };
  mastery: { labels: string[]; series: Array<{ concept: string; label: string; levels: Array<number | null> }> };
  conceptTable: Array<{ label: string; practiced: number; struggles: number; mastery: string; previousMastery: string; trend: 'up' | 'down' | 'same' | '' }>;
  topStruggles: Array<{ rule: string; message: string; concept: string; count: number }>;
  improved: Array<{ label: string; before: number; after: number }>;
  narrative: string;
  generatedBy: string;
  empty: boolean;
}

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function s(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}
function n(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Mastery as a level 0..5 from either a number or a name. */
export function masteryLevel(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, Math.min(5, Math.round(v)));
  if (typeof v === 'string') {
    const i = (MASTERY_LABELS as readonly string[]).indexOf(v.toLowerCase());
    return i >= 0 ? i : null;
  }
  return null;
}

function trend(now: string, before: string): 'up' | 'down' | 'same' | '' {
  const a = masteryLevel(now);
  const b = masteryLevel(before);
  if (a === null || b === null) return '';
  return a > b ? 'up' : a < b ? 'down' : 'same';
}

/** "Loops" from "loops" / "list_comprehension" when the server sends no label. */
export function humanize(id: string): string {
  const t = id.replace(/[_-]+/g, ' ').trim();
  return t ? t[0].toUpperCase() + t.slice(1) : '';
}

export function buildSummaryModel(raw: unknown): SummaryModel {
  const d = obj(raw);
  const period = s(d.period) || 'week';
  const totals = obj(d.totals);
  const streak = obj(d.streak);

  const days = arr(d.days).map(obj).filter((x) => s(x.date));
  days.sort((a, b) => s(a.date).localeCompare(s(b.date)));

  const concepts = arr(d.concepts).map(obj).filter((c) => s(c.concept) || s(c.label));
  const labelOf = new Map<string, string>();
  for (const c of concepts) labelOf.set(s(c.concept) || s(c.label), s(c.label) || humanize(s(c.concept)));
  const byStruggle = [...concepts].sort((a, b) => n(b.struggles) - n(a.struggles) || n(b.practiced) - n(a.practiced));

  const series = arr(d.masterySeries).map(obj).filter((x) => s(x.date));
  series.sort((a, b) => s(a.date).localeCompare(s(b.date)));
  const conceptIds: string[] = [];
  for (const point of series) {
    for (const id of Object.keys(obj(point.levels))) if (!conceptIds.includes(id)) conceptIds.push(id);
  }

  const model: SummaryModel = {
    title: period === 'day' ? 'Today' : period === 'week' ? 'This week' : humanize(period),
    period,
    from: s(d.from),
    to: s(d.to),
    totals: [
      { label: 'Active minutes', value: n(totals.activeMinutes) },
      { label: 'Sessions', value: n(totals.sessions) },
      { label: 'Files', value: n(totals.files) },
      { label: 'Mistakes met', value: n(totals.findings) },
      { label: 'Fixed', value: n(totals.fixes) },
    ],
    streak: { current: n(streak.current), longest: n(streak.longest) },
    activity: {
      labels: days.map((x) => s(x.date)),
      activeMinutes: days.map((x) => n(x.activeMinutes)),
      findings: days.map((x) => n(x.findings)),
      fixes: days.map((x) => n(x.fixes)),
    },
    concepts: {
      labels: byStruggle.map((c) => labelOf.get(s(c.concept) || s(c.label)) ?? ''),
      practiced: byStruggle.map((c) => n(c.practiced)),
      struggles: byStruggle.map((c) => n(c.struggles)),
    },
    mastery: {
      labels: series.map((x) => s(x.date)),
      series: conceptIds.map((id) => ({
        concept: id,
        label: labelOf.get(id) ?? humanize(id),
        levels: series.map((x) => masteryLevel(obj(x.levels)[id])),
      })),
    },
    conceptTable: concepts.map((c) => ({
      label: labelOf.get(s(c.concept) || s(c.label)) ?? '',
      practiced: n(c.practiced),
      struggles: n(c.struggles),
      mastery: s(c.mastery),
      previousMastery: s(c.previousMastery),
      trend: trend(s(c.mastery), s(c.previousMastery)),
    })),
    topStruggles: arr(d.topStruggles)
      .map(obj)
      .map((t) => ({ rule: s(t.rule), message: s(t.message), concept: s(t.concept), count: n(t.count) }))
      .filter((t) => t.rule || t.message),
    improved: arr(d.improved)
      .map(obj)
      .map((i) => ({ label: s(i.label) || humanize(s(i.concept)), before: n(i.before), after: n(i.after) }))
      .filter((i) => i.label),
    narrative: s(d.narrative),
    generatedBy: s(d.generatedBy),
    empty: false,
  };
  model.empty =
    model.totals.every((t) => t.value === 0) &&
    model.activity.labels.length === 0 &&
    model.concepts.labels.length === 0 &&
    model.mastery.series.length === 0;
  return model;
}
