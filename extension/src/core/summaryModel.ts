// Turns the server's `codecoach.showSummary` JSON into everything the summary
// webview draws: the charts' data, the tables' words. The payload is checked
// against its declaration (payloads.ts): a missing or mistyped field renders
// as empty, never as an exception, and is reported in `problems` for the log.

import { Summary, SummaryPayload } from './payloads';
import { check } from './shape';

export const MASTERY_LABELS = ['unseen', 'introduced', 'struggling', 'practicing', 'improving', 'mastered'] as const;
/** The mastery states in a learner's words (same order). */
export const MASTERY_WORDS = ['not met yet', 'just met', 'needs practice', 'practising', 'improving', 'mastered'] as const;

/** Bars in "Struggles by concept": more would be hairlines with every other label skipped. */
export const TOP_CONCEPTS = 8;
/** Lines drawn in "Mastery over time" before the learner asks for all: each with its own colour. */
export const TOP_MASTERY_LINES = 5;

export interface SummaryModel {
  title: string;
  period: string;
  rangeText: string;
  totals: Array<{ label: string; value: number }>;
  streak: { current: number; longest: number };
  activity: { unit: 'hour' | 'day'; labels: string[]; activeMinutes: number[]; findings: number[]; fixes: number[] };
  /** The TOP_CONCEPTS most struggled-with concepts; `more` says how many the chart leaves to the table. */
  concepts: { labels: string[]; practiced: number[]; struggles: number[]; more: number };
  mastery: { labels: string[]; series: Array<{ concept: string; label: string; levels: Array<number | null>; shown: boolean }> };
  conceptTable: Array<{ label: string; practiced: number; struggles: number; mastery: string; change: string; trend: 'up' | 'down' | 'same' | 'new' | '' }>;
  topStruggles: Array<{ rule: string; message: string; concept: string; count: number }>;
  improved: Array<{ label: string; before: number; after: number }>;
  narrative: string;
  /** "Written on this machine" / "Written by Gemini", or '' when there is nothing to say. */
  writtenBy: string;
  empty: boolean;
  /** Where the payload did not match its declaration (for the log, not the page). */
  problems: string[];
}

/** Mastery as a level 0..5 from either a number or a state name. */
export function masteryLevel(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, Math.min(5, Math.round(v)));
  if (typeof v === 'string') {
    const i = (MASTERY_LABELS as readonly string[]).indexOf(v.toLowerCase());
    return i >= 0 ? i : null;
  }
  return null;
}

/** A state name (or level) in the learner's words; unknown names pass through. */
export function masteryWord(v: unknown): string {
  const level = masteryLevel(v);
  return level === null ? String(v ?? '') : MASTERY_WORDS[level];
}

/** "new", "↑ up from just met", "↓ down from improving", "no change" (or '' when unknown). */
export function masteryChange(now: string, before: string): { change: string; trend: SummaryModel['conceptTable'][number]['trend'] } {
  const a = masteryLevel(now);
  const b = masteryLevel(before);
  if (a === null || b === null) return { change: '', trend: '' };
  if (b === 0 && a > 0) return { change: 'new', trend: 'new' };
  if (a > b) return { change: `↑ up from ${MASTERY_WORDS[b]}`, trend: 'up' };
  if (a < b) return { change: `↓ down from ${MASTERY_WORDS[b]}`, trend: 'down' };
  return { change: 'no change', trend: 'same' };
}

/** "Loops" from "loops" / "list_comprehension" when the server sends no label. */
export function humanize(id: string): string {
  const t = id.replace(/[_-]+/g, ' ').trim();
  return t ? t[0].toUpperCase() + t.slice(1) : '';
}

const hourLabel = (h: number) => `${String(h).padStart(2, '0')}:00`;

/**
 * The hours worth drawing: the active ones with an hour either side, at least 8
 * hours wide, widened into the earlier hours first (today's later hours have not
 * happened yet).
 */
export function hourWindow(active: number[]): [number, number] {
  if (!active.length) return [9, 17];
  let lo = Math.max(0, Math.min(...active) - 1);
  let hi = Math.min(23, Math.max(...active) + 1);
  while (hi - lo < 7) {
    if (lo > 0) lo--;
    else hi++;
  }
  return [lo, hi];
}

function activity(d: SummaryPayload): SummaryModel['activity'] {
  if (d.period === 'day' && d.hours.length) {
    const byHour = new Map(d.hours.map((h) => [h.hour, h]));
    const active = d.hours.filter((h) => h.activeMinutes || h.findings || h.fixes).map((h) => h.hour);
    const [lo, hi] = hourWindow(active);
    const hours = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    const at = (h: number) => byHour.get(h) ?? { activeMinutes: 0, findings: 0, fixes: 0 };
    return {
      unit: 'hour',
      labels: hours.map(hourLabel),
      activeMinutes: hours.map((h) => at(h).activeMinutes),
      findings: hours.map((h) => at(h).findings),
      fixes: hours.map((h) => at(h).fixes),
    };
  }
  const days = d.days.filter((x) => x.date).sort((a, b) => a.date.localeCompare(b.date));
  return { unit: 'day', labels: days.map((x) => x.date), activeMinutes: days.map((x) => x.activeMinutes), findings: days.map((x) => x.findings), fixes: days.map((x) => x.fixes) };
}

export function buildSummaryModel(raw: unknown): SummaryModel {
  const { value: d, problems } = check(Summary, raw, 'summary');
  const period = d.period || 'week';
  const concepts = d.concepts.filter((c) => c.concept || c.label);
  const labelOf = new Map(concepts.map((c) => [c.concept || c.label, c.label || humanize(c.concept)]));
  const byStruggle = [...concepts].sort((a, b) => b.struggles - a.struggles || b.practiced - a.practiced);
  const charted = byStruggle.filter((c) => c.struggles || c.practiced).slice(0, TOP_CONCEPTS);

  const series = d.masterySeries.filter((x) => x.date).sort((a, b) => a.date.localeCompare(b.date));
  const conceptIds: string[] = [];
  for (const point of series) for (const id of Object.keys(point.levels)) if (!conceptIds.includes(id)) conceptIds.push(id);

  const model: SummaryModel = {
    title: period === 'day' ? 'Today' : period === 'week' ? 'This week' : humanize(period),
    period,
    rangeText: d.from && d.to ? (d.from === d.to ? d.from : `${d.from} to ${d.to}`) : '',
    totals: [
      { label: 'Active minutes', value: d.totals.activeMinutes },
      { label: 'Sessions', value: d.totals.sessions },
      { label: 'Files', value: d.totals.files },
      { label: 'Mistakes met', value: d.totals.findings },
      { label: 'Fixed', value: d.totals.fixes },
    ],
    streak: d.streak,
    activity: activity(d),
    concepts: {
      labels: charted.map((c) => labelOf.get(c.concept || c.label) ?? ''),
      practiced: charted.map((c) => c.practiced),
      struggles: charted.map((c) => c.struggles),
      more: Math.max(0, concepts.length - charted.length),
    },
    mastery: {
      labels: series.map((x) => x.date),
      // The server lists the most active concepts first: those get the distinct colours.
      series: conceptIds.map((id, i) => ({
        concept: id,
        label: labelOf.get(id) ?? humanize(id),
        levels: series.map((x) => (id in x.levels ? masteryLevel(x.levels[id]) : null)),
        shown: i < TOP_MASTERY_LINES,
      })),
    },
    conceptTable: concepts.map((c) => ({
      label: labelOf.get(c.concept || c.label) ?? '',
      practiced: c.practiced,
      struggles: c.struggles,
      mastery: masteryWord(c.mastery),
      ...masteryChange(c.mastery, c.previousMastery),
    })),
    topStruggles: d.topStruggles.filter((t) => t.rule || t.message).map((t) => ({ ...t, concept: t.concept ? labelOf.get(t.concept) ?? humanize(t.concept) : '' })),
    improved: d.improved.map((i) => ({ label: i.label || humanize(i.concept), before: i.before, after: i.after })).filter((i) => i.label),
    narrative: d.narrative,
    writtenBy: !d.narrative ? '' : d.generatedBy === 'template' ? 'Written on this machine' : d.generatedBy ? `Written by ${humanize(d.generatedBy)}` : '',
    empty: false,
    problems,
  };
  model.empty = model.totals.every((t) => t.value === 0) && model.concepts.labels.length === 0 && model.mastery.series.length === 0;
  return model;
}
