// Times as a learner says them: "just now", "12 minutes ago", "yesterday at 14:05".

import { clock } from './status';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function dayNumber(d: Date, timeZone?: string): number {
  const [y, m, day] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(d)
    .split('-')
    .map(Number);
  return Date.UTC(y, m - 1, day) / (24 * HOUR);
}

/** How long ago `iso` was, relative to `now`; '' when it is not a time. */
export function relativeTime(iso: unknown, now: Date = new Date(), timeZone?: string): string {
  if (typeof iso !== 'string' || !iso) return '';
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return '';
  const ago = now.getTime() - then.getTime();
  if (ago < MINUTE) return 'just now'; // also a clock a little ahead of ours
  if (ago < HOUR) {
    const m = Math.floor(ago / MINUTE);
    return `${m} minute${m === 1 ? '' : 's'} ago`;
  }
  const days = dayNumber(now, timeZone) - dayNumber(then, timeZone);
  if (ago < 6 * HOUR && days === 0) {
    const h = Math.floor(ago / HOUR);
    return `${h} hour${h === 1 ? '' : 's'} ago`;
  }
  if (days === 0) return `today at ${clock(then, timeZone)}`;
  if (days === 1) return `yesterday at ${clock(then, timeZone)}`;
  if (days < 7) return `${days} days ago`;
  return `on ${new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short' }).format(then)}`;
}
