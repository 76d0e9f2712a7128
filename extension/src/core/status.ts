// The status-bar item's text, tooltip and colour from the server's
// `codecoach/status` notification (or from the client's own lifecycle), and
// the one notification a cloud problem deserves. The tooltip says what is
// going on once, in plain words; raw error details belong in the log.

import { Status, StatusPayload } from './payloads';
import { check } from './shape';

export type ClientState = 'starting' | 'installing' | 'running' | 'stopped' | 'error';

/** States this client knows; anything else is shown neutrally with the server's message. */
export const KNOWN_STATES = ['offline', 'checking', 'gemini', 'quota', 'degraded', 'key-rejected', 'unreachable'] as const;

export interface CoachStatus extends Omit<StatusPayload, 'nextReset'> {
  nextReset: Date | null;
}

/** Accepts whatever arrives on the wire; unknown or missing fields become neutral values. */
export function parseStatus(raw: unknown): CoachStatus {
  const { value } = check(Status, raw);
  const reset = value.nextReset ? new Date(value.nextReset) : null;
  return { ...value, nextReset: reset && !Number.isNaN(reset.getTime()) ? reset : null };
}

/** HH:MM in the given time zone (local by default). */
export function clock(date: Date, timeZone?: string): string {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone }).format(date);
}

export interface StatusView {
  text: string;
  tooltip: string;
  /** A ThemeColor id for the background, or undefined for the default. */
  background?: 'statusBarItem.warningBackground' | 'statusBarItem.errorBackground';
}

const CLICK = 'Click for Code Coach commands.';

export function clientStatusView(state: ClientState, detail = ''): StatusView {
  switch (state) {
    case 'starting':
      return { text: '$(sync~spin) Coach', tooltip: 'Code Coach is starting…' };
    case 'installing':
      return { text: '$(sync~spin) Coach: installing', tooltip: 'Code Coach is preparing its Python environment (first run only).' };
    case 'running':
      return { text: '$(mortar-board) Coach', tooltip: 'Code Coach is running.' };
    case 'stopped':
      return { text: '$(circle-slash) Coach: stopped', tooltip: `Code Coach is stopped.${detail ? ' ' + detail : ''} Click for options.` };
    case 'error':
    default:
      return {
        text: '$(error) Coach',
        tooltip: `Code Coach could not start.${detail ? ' ' + detail : ''} Click for options.`,
        background: 'statusBarItem.errorBackground',
      };
  }
}

const WARNING = 'statusBarItem.warningBackground' as const;
const paused = (s: CoachStatus) => s.breaker === 'open' || s.breaker === 'half-open';

export function statusView(status: CoachStatus, timeZone?: string): StatusView {
  const at = (d: Date | null) => (d ? clock(d, timeZone) : '');
  const left = status.callsLeftToday;
  let text: string;
  let lines: string[];
  let background: StatusView['background'];
  switch (status.state) {
    case 'offline':
      text = '$(mortar-board) Coach: offline';
      lines = ['Offline: rules, concepts and summaries run on this machine; nothing is uploaded.'];
      break;
    case 'checking':
      text = '$(sync~spin) Coach: checking key';
      lines = ['Checking the Gemini API key with Google. The offline coach works meanwhile.'];
      break;
    case 'gemini': {
      text = `$(sparkle) Coach: Gemini${left === null ? '' : ` (${left} left)`}`;
      const budget = left === null ? '' : ` ${left} call${left === 1 ? '' : 's'} left today${status.nextReset ? `; the budget resets at ${at(status.nextReset)}` : ''}.`;
      lines = [`Cloud analysis is on: Gemini deepens the offline coach.${budget}`];
      break;
    }
    case 'quota': {
      const until = status.nextReset ? ` until ${at(status.nextReset)}` : '';
      text = `$(watch) Coach: quota reached${until}`;
      lines = [`The Gemini budget is spent${until}; the offline coach carries on meanwhile.`];
      background = WARNING;
      break;
    }
    case 'key-rejected':
      text = '$(key) Coach: key rejected';
      lines = ['Google rejected the Gemini API key, so the coach works offline. Set a new key, or stay offline.'];
      background = WARNING;
      break;
    case 'unreachable':
      text = '$(debug-disconnect) Coach: Gemini unreachable';
      lines = ["Gemini can't be reached; the offline coach keeps working. Details are in the log."];
      background = WARNING;
      break;
    case 'degraded':
      text = '$(warning) Coach: limited';
      lines = [status.memory && status.memory !== 'ok'
        ? 'Your history cannot be saved right now; hints still work. Details are in the log.'
        : paused(status)
          ? 'Gemini failed several times and is paused; the offline coach answers meanwhile. Details are in the log.'
          : "Gemini's last request failed, so the offline coach answers meanwhile. Details are in the log."];
      background = WARNING;
      break;
    default:
      text = '$(mortar-board) Coach';
      lines = status.message ? [status.message] : [];
  }
  if (status.notice) lines.push(status.notice);
  lines.push(CLICK);
  return { text, tooltip: lines.join('\n'), background };
}

export interface Notice {
  /** Shown once per key (see CloudNotices). */
  key: string;
  message: string;
  actions: Array<'Set Gemini API Key' | 'Stay Offline' | 'Open Logs' | 'Open Settings'>;
}

/** The notifications a status deserves (usually none): a rejected key, an unreachable or paused Gemini, a notice. */
export function noticesFor(status: CoachStatus): Notice[] {
  const out: Notice[] = [];
  if (status.state === 'key-rejected') {
    out.push({ key: 'key-rejected', message: 'Code Coach: Google rejected the Gemini API key. The coach keeps working offline.', actions: ['Set Gemini API Key', 'Stay Offline'] });
  } else if (status.state === 'unreachable') {
    out.push({ key: 'unreachable', message: "Code Coach: Gemini can't be reached, so the offline coach keeps working. It tries again later.", actions: ['Open Logs', 'Stay Offline'] });
  } else if (status.state === 'degraded' && status.breaker === 'open') {
    out.push({ key: 'paused', message: 'Code Coach: Gemini failed several times and is paused for a few minutes. The offline coach keeps working.', actions: ['Open Logs', 'Stay Offline'] });
  }
  if (status.notice) out.push({ key: `notice:${status.notice}`, message: `Code Coach: ${status.notice}`, actions: ['Open Settings'] });
  return out;
}

/** Remembers which notices were shown, so each problem is said once, not once per status message. */
export class NoticeMemory {
  private readonly shown = new Set<string>();

  /** The notices of this status not shown yet (and marks them shown). */
  take(status: CoachStatus): Notice[] {
    // A verified Gemini call means earlier problems are over: a later one is news again.
    if (status.state === 'gemini') for (const key of [...this.shown]) if (!key.startsWith('notice:')) this.shown.delete(key);
    return noticesFor(status).filter((n) => !this.shown.has(n.key) && this.shown.add(n.key));
  }

  /** A new server process: everything may be said again. */
  reset(): void {
    this.shown.clear();
  }
}
