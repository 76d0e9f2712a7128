// The status-bar item's text, tooltip and colour from the server's
// `codecoach/status` notification (or from the client's own lifecycle).

export type CoachState = 'offline' | 'gemini' | 'quota' | 'degraded';
export type ClientState = 'starting' | 'installing' | 'running' | 'stopped' | 'error';

export interface CoachStatus {
  state: CoachState | 'unknown';
  provider: string;
  breaker: 'closed' | 'open' | 'half-open' | 'unknown';
  callsLeftToday: number | null;
  nextReset: Date | null;
  message: string;
}

/** Accepts whatever arrives on the wire; unknown or missing fields become neutral values. */
export function parseStatus(raw: unknown): CoachStatus {
  const o = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const states = ['offline', 'gemini', 'quota', 'degraded'];
  const breakers = ['closed', 'open', 'half-open'];
  let nextReset: Date | null = null;
  if (typeof o.nextReset === 'string' && o.nextReset) {
    const d = new Date(o.nextReset);
    nextReset = Number.isNaN(d.getTime()) ? null : d;
  }
  return {
    state: typeof o.state === 'string' && states.includes(o.state) ? (o.state as CoachState) : 'unknown',
    provider: typeof o.provider === 'string' ? o.provider : '',
    breaker: typeof o.breaker === 'string' && breakers.includes(o.breaker) ? (o.breaker as CoachStatus['breaker']) : 'unknown',
    callsLeftToday:
      typeof o.callsLeftToday === 'number' && Number.isFinite(o.callsLeftToday) ? o.callsLeftToday : null,
    nextReset,
    message: typeof o.message === 'string' ? o.message : '',
  };
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

export function statusView(status: CoachStatus, timeZone?: string): StatusView {
  const lines: string[] = [];
  let view: StatusView;
  switch (status.state) {
    case 'gemini': {
      const left = status.callsLeftToday === null ? '' : ` (${status.callsLeftToday} left)`;
      view = { text: `$(sparkle) Coach: Gemini${left}`, tooltip: '' };
      lines.push('Cloud analysis is on: Gemini deepens the offline coach.');
      break;
    }
    case 'quota': {
      const until = status.nextReset ? ` until ${clock(status.nextReset, timeZone)}` : '';
      view = { text: `$(watch) Coach: quota reached${until}`, tooltip: '', background: 'statusBarItem.warningBackground' };
      lines.push(`The Gemini budget is spent${until}; the offline coach carries on meanwhile.`);
      break;
    }
    case 'degraded':
      view = { text: '$(warning) Coach: degraded', tooltip: '', background: 'statusBarItem.warningBackground' };
      lines.push('Some of the coach is unavailable; offline hints still work.');
      break;
    case 'offline':
      view = { text: '$(mortar-board) Coach: offline', tooltip: '' };
      lines.push('Offline: rules, concepts and summaries run on this machine; nothing is uploaded.');
      break;
    default:
      view = { text: '$(mortar-board) Coach', tooltip: '' };
  }
  if (status.message) lines.push(status.message);
  if (status.provider) lines.push(`Provider: ${status.provider}`);
  if (status.breaker === 'open') lines.push('The cloud provider failed repeatedly and is paused for a few minutes.');
  if (status.breaker === 'half-open') lines.push('Trying the cloud provider again.');
  if (status.callsLeftToday !== null && status.state !== 'gemini') lines.push(`Gemini calls left today: ${status.callsLeftToday}`);
  if (status.nextReset && status.state !== 'quota') lines.push(`Budget resets at ${clock(status.nextReset, timeZone)}`);
  lines.push('Click for Code Coach commands.');
  view.tooltip = lines.join('\n');
  return view;
}
