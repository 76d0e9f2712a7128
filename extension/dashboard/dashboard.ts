// The browser dashboard of `codecoach web`: the learning summary (drawn by the VS Code
// summary's own script, fed through host.ts), today at a glance, what the coach sees
// now, recent mistakes with their explanations, and recommendations. It follows the
// learner over /ws/stream: analyses show at once; when the coach remembers (after a
// pause) the summary and the mistakes are fetched again.
//
// Everything that came from code or from Gemini is set with textContent; links are
// made only for https: URLs (and this server's own rules page).

import { messageOf } from '../src/core/errors';
import { safeUrl } from '../src/core/html';
import { Insights, Recommendations, Summary } from '../src/core/payloads';
import { check } from '../src/core/shape';
import { buildSummaryModel } from '../src/core/summaryModel';
import { byId, el, rich } from '../webview/dom';
import { onSummaryMessage, toSummary } from './host';

type Obj = Record<string, unknown>;

export interface LiveFinding {
  rule: string;
  line: number;
  column: number;
  severity: string;
  message: string;
  concepts: string[];
  source: string;
  why: string;
  idea: string;
  hint: string;
  docs: string;
  rule_page: string;
  detail: string;
}

export interface LiveAnalysis {
  path: string;
  version: number;
  findings: LiveFinding[];
  concepts: Record<string, number>;
  total: number;
  notice: string;
}

const RECONNECT_SECONDS = [1, 2, 5, 10];
const REFRESH_DELAY_MS = 400;
const MAX_FILES = 8;
const MAX_PER_FILE = 5;

const state = {
  period: 'week' as 'day' | 'week',
  live: new Map<string, LiveAnalysis>(),
  analyses: 0,
  refreshes: 0,
  attempt: 0,
  refreshTimer: 0 as number | undefined,
};

// -- the live stream's messages (not declared in core/payloads.ts) -----------------------
function obj(v: unknown): Obj {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}
function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** An https: URL as a link (core/html.ts safeUrl); anything else (javascript:, http:, data:...) only as words. */
export function safeLink(url: string, text: string): HTMLElement {
  const href = safeUrl(url);
  if (!href) return el('span', text);
  const a = el('a', text);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

/** This server's rules page at a rule's anchor (Gemini's findings share one: findings.GEMINI_ANCHOR). */
export function rulePage(rule: string, rulePageUrl = ''): HTMLAnchorElement {
  let anchor = rule.toUpperCase().startsWith('GEM') ? 'gemini-findings' : rule.toLowerCase();
  try {
    const hash = new URL(rulePageUrl).hash.slice(1);
    if (/^[a-z0-9-]+$/.test(hash)) anchor = hash;
  } catch {
    /* no page given: the anchor from the id */
  }
  const a = el('a', `About ${rule}`);
  a.href = `/rules#${encodeURIComponent(anchor)}`;
  a.target = '_blank';
  a.rel = 'noopener';
  return a;
}

function baseName(path: string): [string, string] {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? [path, ''] : [path.slice(i + 1), path.slice(0, i)];
}

// -- the server --------------------------------------------------------------------------
async function getJSON(path: string): Promise<unknown> {
  const response = await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = str(obj(body).detail) || response.statusText;
    throw new Error(response.status === 401 ? 'The dashboard needs its token again: open the URL `codecoach web` printed.' : detail);
  }
  return body;
}

function problem(target: HTMLElement, error: unknown): void {
  target.replaceChildren(el('div', messageOf(error), 'error'));
}

// -- the summary (shared with VS Code) and today at a glance ------------------------------
async function loadSummary(): Promise<void> {
  try {
    const [raw, today] = await Promise.all([
      getJSON(`/summary?period=${state.period}`),
      state.period === 'day' ? null : getJSON('/summary?period=day'),
    ]);
    renderToday(today ?? raw); // first: the summary draws a moment later, and both then agree
    toSummary({ type: 'model', model: buildSummaryModel(raw) });
  } catch (error) {
    toSummary({ type: 'error', message: `The summary could not be loaded. ${messageOf(error)}` });
  }
}

function renderToday(raw: unknown): void {
  const box = byId('today');
  if (!box) return;
  const { totals: t, streak } = check(Summary, raw).value;
  const parts: Array<[number, string, string]> = [
    [t.activeMinutes, 'active minute', 'active minutes'],
    [t.files, 'file', 'files'],
    [t.findings, 'mistake met', 'mistakes met'],
    [t.fixes, 'fixed', 'fixed'],
    [streak.current, 'day streak', 'day streak'],
  ];
  box.replaceChildren(el('strong', 'Today'), ...parts.map(([n, one, many]) => el('span', `${n} ${n === 1 ? one : many}`, 'chip')));
}

// -- recent mistakes (insights + what the coach sees now) --------------------------------
async function loadInsights(): Promise<void> {
  const box = byId('mistakes');
  if (!box) return;
  try {
    renderMistakes(box, await getJSON('/insights'));
  } catch (error) {
    problem(box, error);
  }
  document.body.dataset.insights = 'rendered';
}

function explanation(f: LiveFinding): HTMLElement {
  const details = el('details');
  details.append(el('summary', 'Why, the idea, and a hint'));
  for (const [label, text] of [['Why it matters', f.why], ['The idea', f.idea], ['Hint', f.hint]] as const) {
    if (!text) continue;
    const p = rich('p', text);
    p.prepend(el('strong', `${label}. `));
    details.append(p);
  }
  if (f.detail) details.append(el('p', f.detail, 'muted'));
  const links = el('p', undefined, 'links');
  if (f.docs) links.append(safeLink(f.docs, 'Python docs'), document.createTextNode(' · '));
  links.append(rulePage(f.rule, f.rule_page));
  details.append(links);
  return details;
}

function findingItem(f: LiveFinding): HTMLElement {
  const li = el('li', undefined, `finding ${f.severity}`);
  const head = el('div', undefined, 'head');
  head.append(el('span', `line ${f.line}`, 'where'), el('code', f.rule, 'rule'), rich('span', f.message, 'message'));
  if (f.source && f.source !== 'rules' && f.source !== 'names' && f.source !== 'syntax') head.append(el('span', f.source, 'chip'));
  li.append(head, explanation(f));
  return li;
}

function renderLive(): void {
  const box = byId('live');
  if (!box) return;
  const docs = [...state.live.values()].sort((a, b) => a.path.localeCompare(b.path));
  box.replaceChildren();
  if (!docs.length) {
    box.append(el('p', 'Nothing streamed yet. Save a file under `codecoach watch`, or send it from an editor: its findings appear here as you work.', 'empty'));
    return;
  }
  for (const doc of docs) {
    const card = el('article', undefined, 'card doc');
    const [name, folder] = baseName(doc.path);
    const title = el('h3');
    title.append(el('span', name), el('span', ` ${folder ? folder + ' · ' : ''}version ${doc.version}`, 'muted small'));
    card.append(title);
    if (doc.notice) card.append(el('p', doc.notice, 'info'));
    if (!doc.findings.length) card.append(el('p', 'No mistakes found: nice.', 'muted'));
    const list = el('ul', undefined, 'findings');
    for (const f of doc.findings) list.append(findingItem(f));
    card.append(list);
    if (doc.total > doc.findings.length) card.append(el('p', `…and ${doc.total - doc.findings.length} more; fix these first.`, 'muted small'));
    const concepts = Object.keys(doc.concepts);
    if (concepts.length) card.append(el('p', `Uses: ${concepts.slice(0, 8).join(', ')}`, 'muted small'));
    box.append(card);
  }
}

function renderMistakes(box: HTMLElement, raw: unknown): void {
  const files = check(Insights, raw).value.files.filter((f) => f.openConfusion.length || f.keyMistakes.length);
  box.replaceChildren();
  if (!files.length) {
    box.append(el('p', 'No mistakes recorded yet.', 'empty'));
    return;
  }
  for (const f of files.slice(0, MAX_FILES)) {
    const file = f.file;
    const card = el('article', undefined, 'card');
    const [name, folder] = baseName(file);
    const title = el('h3');
    title.append(el('span', name), el('span', ` ${folder}`, 'muted small'));
    card.append(title);
    const live = state.live.get(file);
    const open = f.openConfusion;
    const list = el('ul', undefined, 'findings');
    for (const p of open.slice(0, MAX_PER_FILE)) {
      const { rule, line } = p;
      const known = live?.findings.find((x) => x.rule === rule && x.line === line);
      if (known) {
        list.append(findingItem(known));
        continue;
      }
      const li = el('li', undefined, 'finding');
      const head = el('div', undefined, 'head');
      head.append(el('span', `line ${line}`, 'where'), el('code', rule, 'rule'), rich('span', p.message, 'message'));
      li.append(head, rulePage(rule));
      list.append(li);
    }
    if (open.length) card.append(list);
    if (open.length > MAX_PER_FILE) card.append(el('p', `…and ${open.length - MAX_PER_FILE} more in this file.`, 'muted small'));
    const key = f.keyMistakes.filter((k) => k.count > 1); // the ones that came back
    if (key.length) {
      const often = el('p', undefined, 'muted small');
      often.append(el('span', 'Came back: '));
      key.slice(0, 3).forEach((k, i) => {
        if (i) often.append(document.createTextNode(' · '));
        often.append(el('code', k.rule), document.createTextNode(` ×${k.count} `), rich('span', k.message));
      });
      card.append(often);
    }
    box.append(card);
  }
}

// -- recommendations ---------------------------------------------------------------------
async function loadRecommendations(): Promise<void> {
  const box = byId('recommendations');
  if (!box) return;
  try {
    const { items } = check(Recommendations, await getJSON('/recommendations?limit=6')).value;
    box.replaceChildren();
    if (!items.length) box.append(el('p', 'Nothing to recommend yet: keep coding, and the coach will suggest material for the mistakes you meet.', 'empty'));
    for (const item of items) {
      const card = el('article', undefined, 'card');
      const title = el('h3');
      title.append(safeLink(item.url, item.title || item.url));
      card.append(title);
      const tags = [item.label || item.concept, item.rule].filter(Boolean);
      if (tags.length) {
        const chips = el('div', undefined, 'chips');
        for (const t of tags) chips.append(el('span', t, 'chip'));
        card.append(chips);
      }
      if (item.why) card.append(rich('p', item.why));
      box.append(card);
    }
  } catch (error) {
    problem(box, error);
  }
  document.body.dataset.recommendations = 'rendered';
}

// -- live: /ws/stream ----------------------------------------------------------------------
function setConnection(text: string, kind: 'open' | 'closed' | 'connecting'): void {
  document.body.dataset.socket = kind;
  const box = byId('connection');
  if (box) {
    box.textContent = text;
    box.className = `pill ${kind}`;
  }
}

function setStatus(message: Obj): void {
  const box = byId('status');
  if (!box) return;
  box.textContent = str(message.message) || str(message.state);
  box.dataset.state = str(message.state);
}

export function parseAnalysis(m: Obj): LiveAnalysis | null {
  const path = str(m.path);
  if (!path) return null;
  const findings = arr(m.findings)
    .map(obj)
    .map((f) => ({
      rule: str(f.rule), line: num(f.line), column: num(f.column), severity: str(f.severity) || 'warning',
      message: str(f.message), concepts: arr(f.concepts).map(str), source: str(f.source), why: str(f.why),
      idea: str(f.idea), hint: str(f.hint), docs: str(f.docs), rule_page: str(f.rule_page), detail: str(f.detail),
    }))
    .filter((f) => f.rule);
  const concepts: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(m.concepts))) concepts[k] = num(v);
  return { path, version: num(m.version), findings, concepts, total: num(m.total) || findings.length, notice: str(m.notice) };
}

function scheduleRefresh(): void {
  window.clearTimeout(state.refreshTimer);
  state.refreshTimer = window.setTimeout(() => {
    state.refreshes += 1;
    document.body.dataset.refreshes = String(state.refreshes);
    void loadSummary();
    void loadInsights();
  }, REFRESH_DELAY_MS);
}

function connect(): void {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/stream`);
  setConnection('Connecting…', 'connecting');
  socket.addEventListener('open', () => {
    state.attempt = 0;
    setConnection('Live', 'open');
    socket.send(JSON.stringify({ type: 'subscribe' }));
  });
  socket.addEventListener('message', (event: MessageEvent) => {
    let m: Obj;
    try {
      m = obj(JSON.parse(String(event.data)));
    } catch {
      return;
    }
    if (m.type === 'analysis') {
      const analysis = parseAnalysis(m);
      if (!analysis) return;
      const before = state.live.get(analysis.path);
      if (before && before.version > analysis.version) return; // an older text
      state.live.set(analysis.path, analysis);
      state.analyses += 1;
      document.body.dataset.analyses = String(state.analyses);
      renderLive();
    } else if (m.type === 'remembered') {
      scheduleRefresh();
    } else if (m.type === 'status') {
      setStatus(m);
    }
  });
  socket.addEventListener('close', () => {
    const wait = RECONNECT_SECONDS[Math.min(state.attempt, RECONNECT_SECONDS.length - 1)];
    state.attempt += 1;
    setConnection(`Offline — reconnecting in ${wait} s`, 'closed');
    window.setTimeout(connect, wait * 1000);
  });
}

// -- theme: light or dark, as the system says -------------------------------------------------
function followTheme(): void {
  const dark = window.matchMedia('(prefers-color-scheme: dark)');
  // The summary script redraws its charts when the body's classes change (as VS Code swaps them).
  const apply = () => document.body.classList.toggle('dark', dark.matches);
  apply();
  dark.addEventListener('change', apply);
}

export function start(): void {
  followTheme();
  onSummaryMessage((m) => {
    if (m.type === 'period' && (m.period === 'day' || m.period === 'week')) state.period = m.period;
    if (m.type === 'ready' || m.type === 'period') void loadSummary();
  });
  byId('more-recommendations')?.addEventListener('click', () => void loadRecommendations());
  renderLive();
  void loadInsights();
  void loadRecommendations();
  connect();
}
