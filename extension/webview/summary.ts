// The summary webview's script (bundled with Chart.js; loads nothing from the network).
// It receives a ready-made SummaryModel from the extension and draws three charts.
// Text goes in with textContent only. Colours come from the editor theme's CSS
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
import { MASTERY_LABELS } from '../src/core/summaryModel';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip);

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };
const vscode = acquireVsCodeApi();

const charts: Chart[] = [];
let lastModel: SummaryModel | undefined;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

function palette() {
  return {
    fg: cssVar('--vscode-foreground', '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    grid: cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-yellow', '#cca700'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-orange', '#d18616'),
    ],
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function setState(state: 'loading' | 'rendered' | 'error' | 'empty'): void {
  document.body.dataset.state = state;
}

function showMessage(text: string, kind: 'error' | 'info'): void {
  const box = document.getElementById('message')!;
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

  const activity: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: m.activity.labels,
      datasets: [
        { type: 'bar', label: 'Active minutes', data: m.activity.activeMinutes, backgroundColor: p.series[0], yAxisID: 'y' },
        { type: 'line', label: 'Mistakes met', data: m.activity.findings, borderColor: p.series[1], backgroundColor: p.series[1], yAxisID: 'y1' },
        { type: 'line', label: 'Fixed', data: m.activity.fixes, borderColor: p.series[2], backgroundColor: p.series[2], yAxisID: 'y1' },
      ],
    },
    options: {
      ...common,
      scales: {
        y: { beginAtZero: true, title: { display: true, text: 'minutes' } },
        y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false }, ticks: { precision: 0 }, title: { display: true, text: 'count' } },
      },
    },
  };

  const concepts: ChartConfiguration = {
    type: 'bar',
    data: {
      labels: m.concepts.labels,
      datasets: [
        { label: 'Struggles', data: m.concepts.struggles, backgroundColor: p.series[1] },
        { label: 'Practiced', data: m.concepts.practiced, backgroundColor: p.series[0] },
      ],
    },
    options: { ...common, indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  };

  const mastery: ChartConfiguration = {
    type: 'line',
    data: {
      labels: m.mastery.labels,
      datasets: m.mastery.series.map((s, i) => ({
        label: s.label,
        data: s.levels,
        borderColor: p.series[i % p.series.length],
        backgroundColor: p.series[i % p.series.length],
        spanGaps: true,
        stepped: false,
      })),
    },
    options: {
      ...common,
      scales: {
        y: {
          min: 0,
          max: 5,
          ticks: { stepSize: 1, callback: (v) => MASTERY_LABELS[Number(v)] ?? '' },
        },
      },
    },
  };

  for (const [id, config] of [['activity', activity], ['concepts', concepts], ['mastery', mastery]] as const) {
    const canvas = document.getElementById(id) as HTMLCanvasElement | null;
    if (canvas) charts.push(new Chart(canvas, config));
  }
  document.body.dataset.charts = String(charts.length);
}

function table(caption: string, head: string[], rows: string[][]): HTMLElement {
  const t = el('table');
  t.append(el('caption', caption));
  const thead = el('thead');
  const tr = el('tr');
  for (const h of head) tr.append(el('th', h));
  thead.append(tr);
  const tbody = el('tbody');
  for (const r of rows) {
    const row = el('tr');
    for (const c of r) row.append(el('td', c));
    tbody.append(row);
  }
  t.append(thead, tbody);
  return t;
}

const ARROW = { up: '↑', down: '↓', same: '→', '': '' } as const;

function render(m: SummaryModel): void {
  lastModel = m;
  document.getElementById('title')!.textContent = `Learning Summary — ${m.title}`;
  document.getElementById('range')!.textContent = m.from && m.to ? (m.from === m.to ? m.from : `${m.from} to ${m.to}`) : '';
  for (const b of Array.from(document.querySelectorAll<HTMLButtonElement>('button[data-period]'))) {
    b.setAttribute('aria-pressed', String(b.dataset.period === m.period));
  }

  const totals = document.getElementById('totals')!;
  totals.replaceChildren(
    ...m.totals.map((t) => {
      const card = el('div', undefined, 'total');
      card.append(el('div', String(t.value), 'value'), el('div', t.label, 'label'));
      return card;
    }),
    (() => {
      const card = el('div', undefined, 'total');
      card.append(el('div', `${m.streak.current} day${m.streak.current === 1 ? '' : 's'}`, 'value'), el('div', `Streak (longest ${m.streak.longest})`, 'label'));
      return card;
    })(),
  );

  const narrative = document.getElementById('narrative')!;
  narrative.replaceChildren();
  if (m.narrative) {
    narrative.append(el('p', m.narrative));
    if (m.generatedBy) narrative.append(el('p', `Written by: ${m.generatedBy}`, 'muted small'));
  }

  const tables = document.getElementById('tables')!;
  tables.replaceChildren();
  if (m.conceptTable.length) {
    tables.append(table('Concepts', ['Concept', 'Practiced', 'Struggles', 'Mastery'], m.conceptTable.map((c) => [
      c.label, String(c.practiced), String(c.struggles),
      [c.previousMastery && c.previousMastery !== c.mastery ? `${c.previousMastery} ${ARROW[c.trend] || '→'} ` : '', c.mastery].join(''),
    ])));
  }
  if (m.topStruggles.length) {
    tables.append(table('Top struggles', ['Rule', 'Mistake', 'Concept', 'Times'], m.topStruggles.map((t) => [t.rule, t.message, t.concept, String(t.count)])));
  }
  if (m.improved.length) {
    tables.append(table('Improved', ['Concept', 'Before', 'After'], m.improved.map((i) => [i.label, String(i.before), String(i.after)])));
  }

  showMessage(m.empty ? 'Nothing recorded for this period yet. Open a Python file and start coding: the coach fills this in as you go.' : '', 'info');
  drawCharts(m);
  setState(m.empty ? 'empty' : 'rendered');
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
    setState('loading');
    vscode.postMessage({ type: 'period', period: b.dataset.period });
  });
}

// Redraw with the new colours when the theme changes (VS Code swaps body classes).
new MutationObserver(() => {
  if (lastModel) drawCharts(lastModel);
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

vscode.postMessage({ type: 'ready' });
