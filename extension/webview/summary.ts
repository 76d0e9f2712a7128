// The summary webview's script (bundled with Chart.js; loads nothing from the network).
// It receives a ready-made SummaryModel from the extension and draws three charts.
// Text goes in with textContent only (`code` spans become <code> elements, built
// with the DOM, never parsed as HTML). Colours come from the editor theme's CSS
// variables and are recomputed when the theme changes.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { SummaryModel } from '../src/core/summaryModel';
import { MASTERY_WORDS, TOP_MASTERY_LINES } from '../src/core/summaryModel';
import { byId as findById, el, rich } from './dom';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };
const vscode = acquireVsCodeApi();

const charts: Chart[] = [];
let lastModel: SummaryModel | undefined;
let allMasteryLines = false;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

function palette() {
  return {
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    grid: cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    // Five colours no two of which look alike, for the mastery lines.
    lines: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-yellow', '#cca700'),
    ],
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

// The summary's elements are always on its page (summaryMarkup.ts).
const byId = (id: string) => findById(id)!;

function setState(state: 'loading' | 'rendered' | 'error' | 'empty'): void {
  document.body.dataset.state = state;
}

function showMessage(text: string, kind: 'error' | 'info'): void {
  const box = byId('message');
  box.replaceChildren();
  if (text) box.append(el('div', text, kind));
}

function destroyCharts(): void {
  while (charts.length) charts.pop()!.destroy();
}

function drawCharts(m: SummaryModel): void {
  destroyCharts();
  const p = palette();
  Chart.defaults.color = p.muted;
  Chart.defaults.borderColor = p.grid;
  Chart.defaults.font.family = p.font;
  const common = { responsive: true, maintainAspectRatio: false, animation: false as const };
  const legend = { labels: { boxWidth: 12, boxHeight: 12 } };

  byId('activity-caption').textContent = m.activity.unit === 'hour' ? 'Activity by hour' : 'Activity per day';
  const activity: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: m.activity.labels,
      datasets: [
        { type: 'bar', label: 'Active minutes', data: m.activity.activeMinutes, backgroundColor: p.blue, yAxisID: 'y' },
        { type: 'line', label: 'Mistakes met', data: m.activity.findings, borderColor: p.red, backgroundColor: p.red, yAxisID: 'y1' },
        { type: 'line', label: 'Fixed', data: m.activity.fixes, borderColor: p.green, backgroundColor: p.green, yAxisID: 'y1' },
      ],
    },
    options: {
      ...common,
      plugins: { legend },
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 0 } },
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'minutes' } },
        y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, ticks: { precision: 0 }, title: { display: true, text: 'mistakes / fixes' } },
      },
    },
  };

  // One readable bar pair per concept: the box grows with the number of concepts.
  byId('concepts-box').style.height = `${Math.max(140, 70 + 34 * m.concepts.labels.length)}px`;
  byId('concepts-more').textContent = m.concepts.more ? `The ${m.concepts.labels.length} concepts with the most struggles; ${m.concepts.more} more in the table below.` : '';
  const concepts: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: m.concepts.labels,
      datasets: [
        { label: 'Struggles', data: m.concepts.struggles, backgroundColor: p.red, maxBarThickness: 14 },
        { label: 'Practiced', data: m.concepts.practiced, backgroundColor: p.blue, maxBarThickness: 14 },
      ],
    },
    options: { ...common, indexAxis: 'y', plugins: { legend }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { ticks: { autoSkip: false } } } },
  };

  const series = m.mastery.series.filter((s) => s.shown || allMasteryLines);
  const toggle = byId('mastery-toggle') as HTMLButtonElement;
  const extra = m.mastery.series.length - TOP_MASTERY_LINES;
  toggle.hidden = extra <= 0;
  toggle.textContent = allMasteryLines ? `Show the top ${TOP_MASTERY_LINES}` : `Show all ${m.mastery.series.length} concepts`;
  toggle.setAttribute('aria-pressed', String(allMasteryLines));
  const mastery: ChartConfiguration = {
    type: 'line',
    data: {
      labels: m.mastery.labels,
      datasets: series.map((s, i) => {
        const colour = p.lines[i % p.lines.length];
        // Beyond five lines colours repeat: a dash pattern keeps each line its own.
        const dash = [[], [6, 4], [2, 3]][Math.floor(i / p.lines.length) % 3];
        return { label: s.label, data: s.levels, borderColor: colour, backgroundColor: colour, borderDash: dash, spanGaps: true, borderWidth: 2, pointRadius: 3 };
      }),
    },
    options: {
      ...common,
      plugins: { legend },
      scales: { y: { min: 0, max: 5, ticks: { stepSize: 1, callback: (v) => MASTERY_WORDS[Number(v)] ?? '' } } },
    },
  };

  for (const [id, config] of [['activity', activity], ['concepts', concepts], ['mastery', mastery]] as const) {
    const canvas = document.getElementById(id) as HTMLCanvasElement | null;
    if (canvas) charts.push(new Chart(canvas, config));
  }
  document.body.dataset.charts = String(charts.length);
}

/** A table whose cells may quote code; `numeric` columns are right-aligned. */
function table(caption: string, head: string[], rows: string[][], numeric: number[] = []): HTMLElement {
  const t = el('table', undefined, 'fit');
  t.append(el('caption', caption));
  const tr = el('tr');
  head.forEach((h, i) => tr.append(el('th', h, numeric.includes(i) ? 'num' : undefined)));
  const tbody = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    r.forEach((c, i) => row.append(rich('td', c, numeric.includes(i) ? 'num' : undefined)));
    tbody.append(row);
  }
  const thead = el('thead');
  thead.append(tr);
  t.append(thead, tbody);
  return t;
}

function render(m: SummaryModel): void {
  lastModel = m;
  byId('range').textContent = m.rangeText ? `${m.title}: ${m.rangeText}` : m.title;
  pressPeriod(m.period);

  const card = (value: string, label: string) => {
    const c = el('div', undefined, 'total');
    c.append(el('div', value, 'value'), el('div', label, 'label'));
    return c;
  };
  byId('totals').replaceChildren(
    ...m.totals.map((t) => card(String(t.value), t.label)),
    card(`${m.streak.current} day${m.streak.current === 1 ? '' : 's'}`, `Streak (longest ${m.streak.longest})`),
  );

  const narrative = byId('narrative');
  narrative.replaceChildren();
  if (m.narrative) {
    narrative.append(rich('p', m.narrative));
    if (m.writtenBy) narrative.append(el('p', m.writtenBy, 'muted small'));
  }

  const tables = byId('tables');
  tables.replaceChildren();
  if (m.conceptTable.length) {
    tables.append(table('Concepts', ['Concept', 'Practiced', 'Struggles', 'Mastery', 'Change'],
      m.conceptTable.map((c) => [c.label, String(c.practiced), String(c.struggles), c.mastery, c.change]), [1, 2]));
  }
  if (m.topStruggles.length) {
    tables.append(table('Top struggles', ['Rule', 'Mistake', 'Concept', 'Times'], m.topStruggles.map((t) => [t.rule, t.message, t.concept, String(t.count)]), [3]));
  }
  if (m.improved.length) {
    tables.append(table('Fewer mistakes than before', ['Concept', 'Before', 'Now'], m.improved.map((i) => [i.label, String(i.before), String(i.after)]), [1, 2]));
  }

  showMessage(m.empty ? 'Nothing recorded for this period yet. Open a Python file and start coding: the coach fills this in as you go.' : '', 'info');
  drawCharts(m);
  setState(m.empty ? 'empty' : 'rendered');
  // How many times the page was drawn: a test (and a curious reader) can tell a fresh answer.
  document.body.dataset.renders = String(Number(document.body.dataset.renders ?? 0) + 1);
}

function pressPeriod(period: string | undefined): void {
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-period]'))) {
    b.setAttribute('aria-pressed', String(b.dataset.period === period));
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  const msg = event.data as { type?: string; model?: SummaryModel; message?: string };
  if (msg?.type === 'model' && msg.model) {
    try {
      render(msg.model);
    } catch (error) {
      showMessage(`The summary could not be drawn: ${String(error)}`, 'error');
      setState('error');
    }
  } else if (msg?.type === 'error') {
    destroyCharts();
    showMessage(msg.message ?? 'The summary could not be loaded.', 'error');
    setState('error');
  }
});

for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-period]'))) {
  b.addEventListener('click', () => {
    pressPeriod(b.dataset.period); // at once: the buttons never wait for the data
    setState('loading');
    vscode.postMessage({ type: 'period', period: b.dataset.period });
  });
}

byId('mastery-toggle').addEventListener('click', () => {
  allMasteryLines = !allMasteryLines;
  if (lastModel) drawCharts(lastModel);
});

// Redraw with the new colours when the theme changes (VS Code swaps body classes).
new MutationObserver(() => {
  if (lastModel) drawCharts(lastModel);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });
