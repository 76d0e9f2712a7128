// End-to-end test in a real VS Code: code-server (from the npm registry) in
// Debian's Chromium, driven by playwright-core. It installs the .vsix, opens a
// workspace, types a known mistake, waits for the Code Coach diagnostic, hovers
// it, opens "Code Coach: Show Learning Summary" and checks the charts. Screenshots
// and logs go to test-artifacts/e2e/. Every process it starts is stopped, every
// wait is bounded.
//
// Environment:
//   CODECOACH_E2E_SERVER_PYTHON  a Python with codecoach installed (fast path; the
//                                extension's "codecoach.server.python" setting).
//                                Unset: the real first-run bootstrap (private venv
//                                + pip install of the wheel inside the .vsix).
//   CODECOACH_E2E_VSIX           the package to install (default dist/code-coach-<version>.vsix)
//   CODECOACH_E2E_TIMEOUT        overall limit in seconds (default 300; 900 for the bootstrap)
//   CODECOACH_E2E_HEADFUL=1      not headless (needs a display)
//   CHROMIUM                     browser path (default /usr/bin/chromium)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { installTools } from './install-tools.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.resolve(process.env.CODECOACH_E2E_VSIX || path.join(root, 'dist', `${pkg.name}-${pkg.version}.vsix`));
const serverPython = process.env.CODECOACH_E2E_SERVER_PYTHON ? path.resolve(process.env.CODECOACH_E2E_SERVER_PYTHON) : '';
const bootstrap = !serverPython;
const totalSeconds = Number(process.env.CODECOACH_E2E_TIMEOUT || (bootstrap ? 900 : 300));
const artifacts = path.join(root, 'test-artifacts', 'e2e');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);
const log = (msg) => console.log(`[e2e ${secs().padStart(6)}s] ${msg}`);
const timings = {};
async function phase(name, fn) {
  const start = Date.now();
  log(`${name} …`);
  try {
    return await fn();
  } finally {
    timings[name] = Number(((Date.now() - start) / 1000).toFixed(1));
  }
}

class E2EFailure extends Error {}
const fail = (message) => {
  throw new E2EFailure(message);
};

// ---------------------------------------------------------------- cleanup
const cleanups = [];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (error) {
      console.error(`[e2e] cleanup: ${error}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, async () => {
    log(`received ${signal}, cleaning up`);
    await cleanup();
    process.exit(130);
  });
}
const watchdog = setTimeout(async () => {
  console.error(`[e2e] FAILED: the whole test took longer than ${totalSeconds} s`);
  await cleanup();
  process.exit(1);
}, totalSeconds * 1000);

/** Kill a process group started with detached:true (setsid), politely then firmly. */
async function killGroup(child, name) {
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* group already gone */ }
    return;
  }
  try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
  const exited = await Promise.race([
    new Promise((r) => child.once('exit', () => r(true))),
    new Promise((r) => setTimeout(() => r(false), 5000)),
  ]);
  // File watchers and the extension host can outlive the main PID: always sweep the group.
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  log(`stopped ${name} (process group ${child.pid}${exited ? '' : ', forced'})`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(what, timeoutMs, probe, intervalMs = 250) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  fail(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last error: ${last.message ?? last})` : ''}`);
}

function copyLogs(userDataDir) {
  // The extension's output channel ("Code Coach") and the extension host log.
  const out = path.join(artifacts, 'logs');
  fs.mkdirSync(out, { recursive: true });
  const walk = (dir) => {
    let entries = [];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/Code Coach|exthost|remoteexthost|codecoach/i.test(e.name) && e.name.endsWith('.log')) {
        fs.copyFileSync(full, path.join(out, `${path.basename(path.dirname(full))}-${e.name}`.replace(/[^\w.-]+/g, '_')));
      }
    }
  };
  walk(path.join(userDataDir, 'logs'));
}

// ---------------------------------------------------------------- main
async function main() {
  if (!fs.existsSync(vsix)) fail(`no package at ${vsix}: run "npm run vsix" (make vsix) first`);
  if (!fs.existsSync(chromiumPath)) fail(`no browser at ${chromiumPath}: apt-get install chromium (make ext-deps)`);
  if (serverPython && !fs.existsSync(serverPython)) fail(`CODECOACH_E2E_SERVER_PYTHON=${serverPython} does not exist (make venv?)`);
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  log(`mode: ${bootstrap ? 'first-run bootstrap (private venv from the wheel in the .vsix)' : `preinstalled server python ${serverPython}`}`);

  const tools = await phase('tools', () => installTools());
  const require = createRequire(path.join(here, 'package.json'));
  const { chromium } = require('playwright-core');

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'codecoach-e2e-'));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const dirs = Object.fromEntries(
    ['xdg-data', 'xdg-config', 'xdg-cache', 'tmp', 'user-data', 'extensions', 'workspace', 'browser', 'coach-data'].map((d) => {
      const p = path.join(tmp, d);
      fs.mkdirSync(p, { recursive: true });
      return [d, p];
    }),
  );
  const port = await freePort();
  const env = {
    ...process.env,
    PATH: `${path.dirname(tools.node24Bin)}${path.delimiter}${process.env.PATH}`,
    XDG_DATA_HOME: dirs['xdg-data'],
    XDG_CONFIG_HOME: dirs['xdg-config'],
    XDG_CACHE_HOME: dirs['xdg-cache'],
    TMPDIR: dirs.tmp,
    CODECOACH_DATA_DIR: dirs['coach-data'],
  };
  delete env.CODECOACH_SERVER_PYTHON;
  delete env.GOOGLE_API_KEY;
  delete env.VSCODE_IPC_HOOK_CLI;
  const configFile = path.join(tmp, 'code-server.yaml');
  fs.writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const common = ['--config', configFile, '--user-data-dir', dirs['user-data'], '--extensions-dir', dirs.extensions];

  await phase('install extension', () => {
    const r = spawnSync(tools.node24Bin, [tools.codeServer, ...common, '--install-extension', vsix], { env, encoding: 'utf8', timeout: 120_000 });
    fs.writeFileSync(path.join(artifacts, 'install-extension.log'), `${r.stdout}\n${r.stderr}`);
    if (r.status !== 0) fail(`code-server --install-extension failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    const installed = fs.readdirSync(dirs.extensions).filter((d) => d.startsWith('code-coach.'));
    if (!installed.length) fail('the extension folder did not appear after --install-extension');
    log(`installed ${installed.join(', ')}`);
  });

  const settings = {
    'chat.disableAIFeatures': true,
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoUpdate': false,
    'extensions.autoCheckUpdates': false,
    'extensions.ignoreRecommendations': true,
    'security.workspace.trust.enabled': false,
    'git.enabled': false,
    'workbench.colorTheme': 'Default Dark Modern',
    'editor.autoClosingQuotes': 'never',
    'editor.autoClosingBrackets': 'never',
    'editor.autoIndent': 'none',
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.suggestOnTriggerCharacters': false,
    'editor.acceptSuggestionOnEnter': 'off',
    'editor.hover.delay': 300,
    'editor.minimap.enabled': false,
    'codecoach.debounceMs': 150,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...(serverPython ? { 'codecoach.server.python': serverPython } : {}),
  };
  fs.mkdirSync(path.join(dirs['user-data'], 'User'), { recursive: true });
  fs.writeFileSync(path.join(dirs['user-data'], 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  // code-server is a remote setup: machine-scoped settings (interpreter paths) apply only from the
  // remote ("Machine") settings file, never from the browser-side user settings.
  fs.mkdirSync(path.join(dirs['user-data'], 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(dirs['user-data'], 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
  fs.writeFileSync(path.join(dirs.workspace, 'lesson.py'), '# Code Coach end-to-end test\nanswer = input("Ready? ")\n');

  const server = await phase('start code-server', async () => {
    const logFile = fs.openSync(path.join(artifacts, 'code-server.log'), 'w');
    const child = spawn(
      tools.node24Bin,
      [tools.codeServer, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'],
      { env, detached: true, stdio: ['ignore', logFile, logFile] },
    );
    fs.closeSync(logFile);
    cleanups.push(() => killGroup(child, 'code-server'));
    cleanups.push(() => copyLogs(dirs['user-data']));
    await waitFor('code-server to answer /healthz', 60_000, async () => {
      if (child.exitCode !== null) fail(`code-server exited with ${child.exitCode}; see test-artifacts/e2e/code-server.log`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return res.ok;
    });
    return child;
  });
  void server;

  const context = await phase('start chromium', () =>
    chromium.launchPersistentContext(dirs.browser, {
      executablePath: chromiumPath,
      headless: process.env.CODECOACH_E2E_HEADFUL !== '1',
      viewport: { width: 1440, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
      timeout: 60_000,
    }),
  );
  cleanups.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const shot = async (name) => {
    const file = path.join(artifacts, name);
    await page.screenshot({ path: file });
    log(`screenshot ${path.relative(root, file)}`);
  };

  async function runCommand(title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
  }

  await phase('open workbench', async () => {
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(dirs.workspace)}`, { timeout: 60_000 });
    await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
  });

  await phase('open lesson.py', async () => {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'lesson.py' });
    try {
      await row.first().waitFor({ timeout: 30_000 });
      await row.first().click();
    } catch {
      // Explorer not shown: use Quick Open.
      await page.keyboard.press('Control+p');
      await page.locator('.quick-input-widget input').fill('lesson.py');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'lesson.py' }).first().waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');
    }
    await page.locator('.tab', { hasText: 'lesson.py' }).first().waitFor({ timeout: 20_000 });
    await page.locator('.monaco-editor .view-lines').first().waitFor();
  });

  const statusItem = page.locator('.statusbar-item', { hasText: 'Coach' }).first();
  let shotInstalling = false;
  await phase('wait for the coach to start', async () => {
    // Activation (onLanguage:python) shows the status item; "starting"/"installing" turn into the server's state.
    await statusItem.waitFor({ timeout: 60_000 });
    await waitFor('the Code Coach server to start (status bar)', bootstrap ? 600_000 : 90_000, async () => {
      const text = (await statusItem.innerText().catch(() => '')).trim();
      if (await statusItem.locator('.codicon-error').count()) {
        fail(`the coach could not start; status bar says "${text}" (${await statusItem.getAttribute('aria-label')}) — see test-artifacts/e2e/logs`);
      }
      const spinning = await statusItem.locator('.codicon-modifier-spin').count();
      if (/installing/i.test(text) && !shotInstalling) {
        shotInstalling = true;
        await shot('00-first-run-install.png'); // the progress notification of the private venv bootstrap
      }
      return !spinning && text;
    }, 500);
    log(`status bar: "${(await statusItem.innerText()).trim()}"`);
  });

  await phase('type a mistake', async () => {
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type("if answer is 'yes':\n    print('Great!')\n", { delay: 15 });
  });

  const squiggle = await phase('wait for the diagnostic', async () => {
    const sel = '.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning, .monaco-editor .squiggly-info, .monaco-editor .squiggly-hint';
    await page.waitForSelector(sel, { timeout: 45_000 }).catch(() => fail('no Code Coach diagnostic (squiggle) appeared within 45 s after typing `if answer is \'yes\':`'));
    await page.keyboard.press('Control+Shift+M'); // Problems view
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'CC102' }).first();
    await problem.waitFor({ timeout: 15_000 }).catch(() => fail('the Problems view shows no CC102 diagnostic'));
    const text = (await problem.innerText()).replace(/\s+/g, ' ');
    if (!/Code Coach/.test(text)) fail(`the CC102 problem does not name its source "Code Coach": ${text}`);
    log(`problem: ${text}`);
    await shot('01-diagnostic.png');
    return page.locator(sel).first();
  });

  await phase('hover the diagnostic', async () => {
    await page.locator('.monaco-editor .view-lines').first().click();
    const hover = page.locator('.monaco-hover').filter({ hasText: /CC102|Code Coach/ }).first();
    let text = '';
    for (let attempt = 0; attempt < 4 && !text; attempt++) {
      const box = await squiggle.boundingBox();
      if (!box) fail('the squiggle has no position on screen');
      await page.mouse.move(box.x + Math.min(12, box.width / 2), box.y + box.height / 2, { steps: 4 });
      await page.mouse.move(box.x + Math.min(16, box.width / 2) + attempt, box.y + box.height / 2, { steps: 2 });
      text = await hover.waitFor({ state: 'visible', timeout: 8000 }).then(() => hover.innerText(), () => '');
    }
    if (!text) fail('no hover appeared over the Code Coach diagnostic');
    fs.writeFileSync(path.join(artifacts, 'hover.txt'), text);
    const oneLine = text.replace(/\s+/g, ' ');
    log(`hover: ${oneLine.slice(0, 240)}${oneLine.length > 240 ? '…' : ''}`);
    if (!/\bis\b/.test(oneLine) || oneLine.length < 80) fail(`the hover does not read like an explanation of CC102: ${oneLine}`);
    await shot('02-hover.png');
  });

  await phase('show learning summary', async () => {
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+j'); // hide the panel: more room for the summary
    await runCommand('Code Coach: Show Learning Summary');

    // The webview is an iframe inside an iframe; find the frame that holds our page.
    const result = await waitFor('the summary webview to render', 60_000, async () => {
      for (const frame of page.frames()) {
        const state = await frame.evaluate(() => document.body?.dataset?.state ?? null).catch(() => null);
        if (state === 'rendered' || state === 'empty' || state === 'error') {
          const info = await frame.evaluate(() => ({
            message: document.getElementById('message')?.innerText ?? '',
            charts: document.body.dataset.charts ?? '0',
            canvases: Array.from(document.querySelectorAll('canvas')).map((c) => {
              const ctx = c.getContext('2d');
              let painted = 0;
              if (ctx && c.width && c.height) {
                const data = ctx.getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
              }
              return { id: c.id, width: c.width, height: c.height, painted };
            }),
            totals: document.getElementById('totals')?.innerText.replace(/\s+/g, ' ') ?? '',
          }));
          return { state, ...info };
        }
      }
      return false;
    }, 500);
    await page.waitForTimeout(300);
    await shot('03-summary.png');
    fs.writeFileSync(path.join(artifacts, 'summary.json'), JSON.stringify(result, null, 2));
    if (result.state === 'error') {
      fail(`"Code Coach: Show Learning Summary" opened but the server's summary failed: ${result.message.trim()}`);
    }
    log(`summary: state=${result.state}, charts=${result.charts}, totals: ${result.totals}`);
    const drawn = result.canvases.filter((c) => c.width > 0 && c.height > 0 && c.painted > 0);
    if (result.charts !== '3' || drawn.length < 3) {
      fail(`the summary should draw 3 charts; got ${result.charts} (${JSON.stringify(result.canvases)})`);
    }
  });

  log(`status bar at the end: "${(await statusItem.innerText().catch(() => '?')).trim()}"`);
}

let code = 0;
try {
  await main();
  log('PASSED');
} catch (error) {
  code = 1;
  console.error(`[e2e] FAILED: ${error instanceof E2EFailure ? error.message : error?.stack ?? error}`);
  console.error(`[e2e] artifacts: ${path.relative(process.cwd(), artifacts) || artifacts}`);
} finally {
  try {
    fs.writeFileSync(path.join(artifacts, 'timings.json'), JSON.stringify({ ...timings, total: Number(secs()) }, null, 2));
  } catch { /* artifacts dir may not exist if we failed very early */ }
  await cleanup();
  clearTimeout(watchdog);
  log(`timings: ${JSON.stringify(timings)}`);
}
process.exit(code);
