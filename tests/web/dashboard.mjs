// Drives the dashboard of a running `codecoach web` in Debian's Chromium (playwright-core):
// it loads with the token, its charts get painted, it follows a change streamed over the
// WebSocket from another tab, and it redraws for the dark theme. Screenshots go to OUTDIR.
// Prints one JSON object of what it saw; tests/web/test_dashboard.py judges it.
//
//   node tests/web/dashboard.mjs check BASE_URL TOKEN OUTDIR
//   node tests/web/dashboard.mjs measure BASE_URL TOKEN RUNS     (first paint, for bench/web.py)
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const [mode, base, token, arg] = process.argv.slice(2);
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const TIMEOUT = 30_000;

async function browser(colorScheme = 'light') {
  const profile = mkdtempSync(path.join(tmpdir(), 'codecoach-dashboard-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CODECOACH_CHROMIUM || '/usr/bin/chromium', args: FLAGS, colorScheme,
    viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1,
  });
  return { context, close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); } };
}

function watch(page, seen) {
  page.on('console', (m) => { if (m.type() === 'error') seen.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => seen.consoleErrors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) seen.foreign.push(r.url()); });
}

const painted = (page) => page.evaluate(() => Object.fromEntries(['activity', 'concepts', 'mastery'].map((id) => {
  const canvas = document.getElementById(id);
  if (!canvas || !canvas.width || !canvas.height) return [id, 0];
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked += 1;
  return [id, inked];
})));

const ready = (page) => page.waitForFunction(() => {
  const d = document.body.dataset;
  return d.state === 'rendered' && d.charts === '3' && d.socket === 'open' && d.insights === 'rendered' && d.recommendations === 'rendered';
}, null, { timeout: TIMEOUT });

const firstPaint = (page) => page.evaluate(() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return paint ? paint.startTime : null;
});

async function check(outdir) {
  const seen = { consoleErrors: [], foreign: [], violations: [] };
  const { context, close } = await browser('light');
  try {
    const page = await context.newPage();
    watch(page, seen);
    await page.addInitScript(() => {
      window.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`${base}/?token=${token}`);
    seen.url = page.url();
    await ready(page);
    seen.firstPaintMs = await firstPaint(page);
    seen.chartsMs = await page.evaluate(() => performance.now());
    seen.paintedBefore = await painted(page);
    seen.filesBefore = await page.evaluate(() => document.querySelector('#totals .total:nth-child(3) .value')?.textContent);
    seen.todayBefore = await page.textContent('#today');
    seen.light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.screenshot({ path: path.join(outdir, 'dashboard-light.png'), fullPage: true });

    // Another client (a second tab, as a watcher or an editor would) streams a change.
    const other = await context.newPage();
    watch(other, seen);
    await other.goto(`${base}/`);
    await ready(other);
    await other.evaluate(() => new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://${location.host}/ws/stream`);
      window.__keep = ws;
      ws.onerror = reject;
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: 'change', path: 'live/streamed_now.py', version: 1,
          // The string literal comes back inside a message: it must stay text, never become markup.
          text: 'def check(n, answer):\n    if n is 7:\n        return "lucky"\n'
            + '    if answer == "no" or "<b>yes</b>":\n        return "maybe"\n' }));
        resolve();
      };
    }));
    await page.waitForFunction(() => document.querySelector('#live')?.textContent?.includes('streamed_now.py')
      && document.querySelector('#live')?.textContent?.includes('CC102'), null, { timeout: TIMEOUT });
    seen.liveText = await page.textContent('#live');
    // After the pause the coach remembers it: the summary and the mistakes are fetched again.
    await page.waitForFunction((before) => {
      const files = document.querySelector('#totals .total:nth-child(3) .value')?.textContent;
      return Number(document.body.dataset.refreshes || 0) >= 1 && files !== before && document.body.dataset.state === 'rendered';
    }, seen.filesBefore, { timeout: TIMEOUT });
    seen.filesAfter = await page.evaluate(() => document.querySelector('#totals .total:nth-child(3) .value')?.textContent);
    seen.todayAfter = await page.textContent('#today');
    // The mistakes come from their own request, which may answer after the summary's.
    await page.waitForFunction(() => document.querySelector('#mistakes')?.textContent?.includes('streamed_now.py'),
      null, { timeout: TIMEOUT }).catch(() => undefined);
    seen.mistakesText = await page.textContent('#mistakes');
    seen.paintedAfter = await painted(page);
    seen.markupInjected = await page.evaluate(() => document.querySelectorAll('#live b, #mistakes b').length);
    await page.click('#live details summary');
    await page.screenshot({ path: path.join(outdir, 'dashboard-live-light.png'), fullPage: true });

    // The system turns dark: the page and its charts follow.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.body.classList.contains('dark'), null, { timeout: TIMEOUT });
    await page.waitForTimeout(300);
    seen.dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    seen.paintedDark = await painted(page);
    await page.screenshot({ path: path.join(outdir, 'dashboard-dark.png'), fullPage: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(outdir, 'dashboard-dark-top.png') });

    const rules = await context.newPage();
    watch(rules, seen);
    await rules.emulateMedia({ colorScheme: 'dark' });
    await rules.goto(`${base}/rules#cc102`);
    seen.rulesTitle = await rules.title();
    await rules.screenshot({ path: path.join(outdir, 'rules-dark.png') });
    seen.violations = await page.evaluate(() => window.__violations);
  } finally {
    await close();
  }
  return seen;
}

async function measure(runs) {
  const results = [];
  const { context, close } = await browser('light');
  try {
    const warm = await context.newPage();
    await warm.goto(`${base}/?token=${token}`); // sets the cookie
    await ready(warm);
    await warm.close();
    for (let i = 0; i < runs; i++) {
      const page = await context.newPage();
      await page.goto(`${base}/`);
      await ready(page);
      results.push({ firstPaintMs: await firstPaint(page), chartsMs: await page.evaluate(() => performance.now()) });
      await page.close();
    }
  } finally {
    await close();
  }
  return results;
}

const result = mode === 'measure' ? await measure(Number(arg) || 5) : await check(arg);
process.stdout.write(JSON.stringify(result) + '\n');
