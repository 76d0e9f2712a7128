// End-to-end test in a real VS Code: code-server (from the npm registry) in
// Debian's Chromium, driven by playwright-core. It installs the .vsix, opens a
// workspace with a lesson, and uses Code Coach as a learner would: the
// diagnostics and a hover, every Quick Fix action, "Don't show again" and Undo,
// every palette page (Explain Selection, Insights, Recommendations, Learning
// Summary for today and the week), a server restart (the summary's counts must
// not change), a bad and a good API key with Gemini unreachable, and the light
// theme. Each page is checked for content and saved as a screenshot in
// test-artifacts/e2e/, with the logs. Every process it starts is stopped, every
// wait is bounded.
//
// Environment:
//   CODECOACH_E2E_SERVER_PYTHON  a Python with codecoach installed (fast path; the
//                                extension's "codecoach.server.python" setting).
//                                Unset: the real first-run bootstrap (private venv
//                                + pip install of the wheel inside the .vsix).
//   CODECOACH_E2E_VSIX           the package to install (default dist/code-coach-<version>.vsix)
//   CODECOACH_E2E_WHEELHOUSE     bootstrap only: install from this folder of wheels, with no index
//                                (pip's PIP_NO_INDEX + PIP_FIND_LINKS): the test needs no network
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
import { checkPins } from './pins.mjs';
import { E2EFailure, Workbench, fail, waitFor } from './workbench.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.resolve(process.env.CODECOACH_E2E_VSIX || path.join(root, 'dist', `${pkg.name}-${pkg.version}.vsix`));
const serverPython = process.env.CODECOACH_E2E_SERVER_PYTHON ? path.resolve(process.env.CODECOACH_E2E_SERVER_PYTHON) : '';
const bootstrap = !serverPython;
const totalSeconds = Number(process.env.CODECOACH_E2E_TIMEOUT || (bootstrap ? 900 : 300));
/** A step that fails for a reason tracked elsewhere: it still runs, and must start failing loudly once fixed. */
const KNOWN_FAILURES = {};
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

function copyLogs(...logRoots) {
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
  for (const dir of logRoots) walk(dir);
}

// ---------------------------------------------------------------- the lesson
// Four mistakes the coach knows (CC201 mutable default, CC102 `is` with a literal, and
// the loop ones) and one typed live, so the pages have something to say.
const LESSON = `# Code Coach end-to-end test
answer = input("Ready? ")


def add_item(item, basket=[]):
    basket.append(item)
    return basket


numbers = [3, 1, 2]
total = 0
for i in range(len(numbers)):
    total = total + numbers[i]
print(total)
`;
const TYPED_LINE = 3; // where `if answer is 'yes':` and a second line are typed
const CC201_AT = [7, 27]; // line:column inside `basket=[]`, once those two lines are in

// A key of the right shape, built here (no key-shaped literal is tracked). It never leaves the
// machine: GEMINI_BASE_URL points the server at a closed port on 127.0.0.1.
const FAKE_KEY = ['AI', 'za'].join('') + 'e2eTestKeyNotReal'.padEnd(35, 'x');

// ---------------------------------------------------------------- main
let passed = false;
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
  const closedPort = await freePort(); // nothing listens there: "Gemini can't be reached"
  const env = {
    ...process.env,
    PATH: `${path.dirname(tools.node24Bin)}${path.delimiter}${process.env.PATH}`,
    XDG_DATA_HOME: dirs['xdg-data'],
    XDG_CONFIG_HOME: dirs['xdg-config'],
    XDG_CACHE_HOME: dirs['xdg-cache'],
    TMPDIR: dirs.tmp,
    CODECOACH_DATA_DIR: dirs['coach-data'],
    // The extension hands its own environment to the server (core/settings.ts serverEnv).
    GEMINI_BASE_URL: `http://127.0.0.1:${closedPort}`,
  };
  if (bootstrap && process.env.CODECOACH_E2E_WHEELHOUSE) {
    // The extension's pip inherits this environment: the learner's install, but from a local folder.
    env.PIP_NO_INDEX = '1';
    env.PIP_FIND_LINKS = path.resolve(process.env.CODECOACH_E2E_WHEELHOUSE);
  }
  delete env.CODECOACH_SERVER_PYTHON;
  delete env.GOOGLE_API_KEY;
  delete env.GEMINI_API_KEY;
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
    'editor.lightbulb.enabled': 'off',
    'codecoach.debounceMs': 150,
    // Remember what is shown after 1 s of quiet, and send it to "Gemini" 1 s later.
    'codecoach.cloud.settleSeconds': 1,
    'codecoach.cloud.quietSeconds': 1,
    // The first failed Gemini request pauses it: the notification that says so is part of the test.
    'codecoach.cloud.breakerFailures': 1,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...(serverPython ? { 'codecoach.server.python': serverPython } : {}),
  };
  const userSettingsFile = path.join(dirs['user-data'], 'User', 'settings.json');
  const userSettings = () => JSON.parse(fs.readFileSync(userSettingsFile, 'utf8'));
  fs.mkdirSync(path.dirname(userSettingsFile), { recursive: true });
  fs.writeFileSync(userSettingsFile, JSON.stringify(settings, null, 2));
  // code-server is a remote setup: machine-scoped settings (interpreter paths) apply only from the
  // remote ("Machine") settings file, never from the browser-side user settings.
  fs.mkdirSync(path.join(dirs['user-data'], 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(dirs['user-data'], 'Machine', 'settings.json'), JSON.stringify(settings, null, 2));
  fs.writeFileSync(path.join(dirs.workspace, 'lesson.py'), LESSON);

  await phase('start code-server', async () => {
    const logFile = fs.openSync(path.join(artifacts, 'code-server.log'), 'w');
    const child = spawn(
      tools.node24Bin,
      [tools.codeServer, ...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'],
      { env, detached: true, stdio: ['ignore', logFile, logFile] },
    );
    fs.closeSync(logFile);
    cleanups.push(() => killGroup(child, 'code-server'));
    // The extension host's logs are under the user data folder or, for code-server, XDG_DATA_HOME.
    cleanups.push(() => copyLogs(path.join(dirs['user-data'], 'logs'), dirs['xdg-data']));
    await waitFor('code-server to answer /healthz', 60_000, async () => {
      if (child.exitCode !== null) fail(`code-server exited with ${child.exitCode}; see test-artifacts/e2e/code-server.log`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      return res.ok;
    });
  });

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
  const wb = new Workbench(page);
  cleanups.push(async () => {
    if (!passed) await page.screenshot({ path: path.join(artifacts, 'failure.png') }).catch(() => undefined);
  });
  const shots = [];
  const shot = async (name) => {
    const file = path.join(artifacts, name);
    await page.screenshot({ path: file });
    shots.push(name);
    log(`screenshot ${path.relative(root, file)}`);
  };
  const expect = (ok, message) => {
    if (!ok) fail(message);
  };

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

  let shotInstalling = false;
  const waitForCoach = (what) => waitFor(what, bootstrap ? 600_000 : 90_000, async () => {
    const text = await wb.statusText();
    if (await wb.statusItem.locator('.codicon-error').count()) {
      fail(`the coach could not start; status bar says "${text}" (${await wb.statusTooltip()}) — see test-artifacts/e2e/logs`);
    }
    const spinning = await wb.statusItem.locator('.codicon-modifier-spin').count();
    if (/installing/i.test(text) && !shotInstalling) {
      shotInstalling = true;
      await shot('00-first-run-install.png'); // the progress notification of the private venv bootstrap
    }
    return !spinning && /Coach:/.test(text) && text;
  }, 500);

  await phase('wait for the coach to start', async () => {
    await wb.statusItem.waitFor({ timeout: 60_000 });
    log(`status bar: "${await waitForCoach('the Code Coach server to start (status bar)')}"`);
    const tooltip = await wb.statusTooltip();
    const offline = (tooltip.match(/offline/gi) ?? []).length;
    expect(offline <= 1, `the offline status tooltip says "offline" ${offline} times: ${tooltip}`);
  });

  if (bootstrap) {
    await phase('the private environment holds the tested versions', async () => {
      // <user-data>/User/globalStorage/<publisher>.<name>/server-env, made by src/bootstrap.ts
      const storage = path.join(dirs['user-data'], 'User', 'globalStorage', `${pkg.publisher}.${pkg.name}`);
      const python = path.join(storage, 'server-env', 'bin', 'python');
      if (!fs.existsSync(python)) fail(`no private environment at ${python}`);
      const constraints = path.join(root, 'extension', 'server-constraints.txt');
      const { checked, wrong } = checkPins(python, constraints);
      fs.writeFileSync(path.join(artifacts, 'pins.json'), JSON.stringify({ checked, wrong }, null, 2));
      log(`pins: ${checked} installed packages checked against ${path.relative(root, constraints)}`);
      if (wrong.length) fail(`the private environment differs from the lock: ${wrong.join('; ')}`);
      if (checked < 30) fail(`only ${checked} packages matched a pin: is the constraints file in the .vsix?`);
    });
  }

  await phase('type a mistake', async () => {
    await wb.goTo(TYPED_LINE, 1);
    await page.keyboard.type("if answer is 'yes':\n    print('Great!')\n", { delay: 15 });
  });

  const squiggles = '.monaco-editor .squiggly-error, .monaco-editor .squiggly-warning, .monaco-editor .squiggly-info, .monaco-editor .squiggly-hint';
  await phase('wait for the diagnostics', async () => {
    await page.waitForSelector(squiggles, { timeout: 45_000 }).catch(() => fail('no Code Coach diagnostic (squiggle) appeared within 45 s'));
    await page.keyboard.press('Control+Shift+M'); // Problems view
    await waitFor('a CC102 and a CC201 row in the Problems view', 20_000, async () => (await wb.problems('CC102')).length && (await wb.problems('CC201')).length);
    const [text] = (await wb.problems('CC102')).map((t) => t.replace(/\s+/g, ' '));
    expect(/Code Coach/.test(text), `the CC102 problem does not name its source "Code Coach": ${text}`);
    log(`problem: ${text}`);
    await shot('01-diagnostic.png');
  });

  await phase('hover the diagnostic', async () => {
    const squiggle = page.locator('.monaco-editor .view-line', { hasText: "if answer is 'yes':" }).first();
    const hover = page.locator('.monaco-hover').filter({ hasText: /CC102/ }).first();
    let text = '';
    for (let attempt = 0; attempt < 4 && !text; attempt++) {
      const box = await squiggle.boundingBox();
      if (!box) fail('the typed line has no position on screen');
      await page.mouse.move(box.x + 60 + attempt * 4, box.y + box.height / 2, { steps: 4 });
      text = await hover.waitFor({ state: 'visible', timeout: 8000 }).then(() => hover.innerText(), () => '');
    }
    expect(text, 'no hover appeared over the Code Coach diagnostic');
    // VS Code draws the diagnostic's line first; the server's explanation follows when it answers.
    text = await waitFor('the explanation in the hover', 10_000, async () => {
      const t = await hover.innerText().catch(() => '');
      return /Why it matters/.test(t) && t;
    }).catch(() => text);
    fs.writeFileSync(path.join(artifacts, 'hover.txt'), text);
    const oneLine = text.replace(/\s+/g, ' ');
    log(`hover: ${oneLine.slice(0, 200)}…`);
    expect(/Why it matters/.test(oneLine) && oneLine.length > 80, `the hover does not read like an explanation of CC102: ${oneLine}`);
    const repeats = oneLine.split('checks identity, not equality').length - 1;
    expect(repeats === 1, `the hover says the diagnostic's message ${repeats} times (VS Code already shows it once): ${oneLine}`);
    await shot('02-hover.png');
    await page.mouse.move(5, 5);
    await page.keyboard.press('Escape');
  });

  // ------------------------------------------------------------ Quick Fix actions
  const [typedLine, typedColumn] = [TYPED_LINE, 4];
  await phase('quick fix: explain this mistake', async () => {
    const titles = await wb.quickFixMenu(typedLine, typedColumn, 'Explain this mistake (CC102)');
    log(`quick fixes: ${titles.join(' | ')}`);
    expect(titles.some((t) => t.startsWith('Recommendations for')) && titles.some((t) => t.includes("Don't show CC102 again")), `the Quick Fix menu lacks an action: ${titles.join(' | ')}`);
    await shot('03-quickfix-menu.png');
    await wb.chooseQuickFix('Explain this mistake (CC102)');
    const page1 = await wb.webview('the Explanation page from the Quick Fix', '.explanation', { until: (p) => /Why it matters/.test(p.text) });
    expect(/Was this helpful\?/.test(page1.text), `the Explanation page has no "Was this helpful?" links: ${page1.text.slice(0, 300)}`);
    await shot('04-quickfix-explain.png');
  });

  await phase('quick fix: recommendations', async () => {
    await wb.quickFixMenu(typedLine, typedColumn, 'Recommendations for comparisons');
    await wb.chooseQuickFix('Recommendations for comparisons');
    const recs = await wb.webview('the Recommendations page from the Quick Fix', '.report-recommendations', { until: (p) => /Material on comparisons/.test(p.text) });
    expect(/docs\.python\.org/.test(recs.text), `the Recommendations page lists no material: ${recs.text.slice(0, 300)}`);
    await shot('05-quickfix-recommendations.png');
  });

  await phase("quick fix: don't show again, and undo", async () => {
    await wb.quickFixMenu(...CC201_AT, "Don't show CC201 again");
    await wb.chooseQuickFix("Don't show CC201 again");
    const toast = wb.toast('CC201 is turned off');
    await toast.waitFor({ timeout: 15_000 }).catch(() => fail('no notification after "Don\'t show CC201 again"'));
    await waitFor('codecoach.disabledRules = ["CC201"] in the user settings', 10_000, () => JSON.stringify(userSettings()['codecoach.disabledRules']) === '["CC201"]');
    await waitFor('CC201 to leave the Problems view', 15_000, async () => (await wb.problems('CC201')).length === 0);
    await shot('06-dont-show-notification.png');
    await toast.getByRole('button', { name: 'Undo' }).click();
    await waitFor('codecoach.disabledRules to leave the user settings after Undo', 10_000, () => !('codecoach.disabledRules' in userSettings()));
    await waitFor('CC201 to come back after Undo', 15_000, async () => (await wb.problems('CC201')).length > 0);
    await wb.toast('CC201 is back on').waitFor({ timeout: 10_000 });
    await shot('07-undo.png');
    // Off again, then on again from the list of disabled rules.
    await wb.quickFixMenu(...CC201_AT, "Don't show CC201 again");
    await wb.chooseQuickFix("Don't show CC201 again");
    await waitFor('CC201 disabled again', 10_000, () => JSON.stringify(userSettings()['codecoach.disabledRules']) === '["CC201"]');
    await wb.clearNotifications();
    await wb.runCommand('Code Coach: Manage Disabled Rules');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'CC201' }).first();
    await row.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(400); // the picker fades in
    await shot('08-disabled-rules.png');
    await row.click(); // ticks it
    await page.keyboard.press('Enter');
    await waitFor('CC201 re-enabled from the list', 10_000, () => !('codecoach.disabledRules' in userSettings()));
    await waitFor('CC201 back in the Problems view', 15_000, async () => (await wb.problems('CC201')).length > 0);
    await wb.clearNotifications();
  });

  // ------------------------------------------------------------ palette pages
  await phase('explain selection', async () => {
    await wb.goTo(typedLine, 1);
    await page.keyboard.press('Shift+End');
    await wb.runCommand('Code Coach: Explain Selection');
    const explanation = await wb.webview('the Explanation page from Explain Selection', '.explanation', { until: (p) => /Why it matters/.test(p.text) && /Was this helpful/.test(p.text) });
    expect(/CC102/.test(explanation.text), `Explain Selection does not explain CC102: ${explanation.text.slice(0, 300)}`);
    await shot('09-explain-selection.png');
    await explanation.frame.locator('a', { hasText: 'Yes' }).first().click();
    await wb.toast('thanks').waitFor({ timeout: 10_000 }).catch(() => fail('"Was this helpful? Yes" did not say thanks'));
    await wb.clearNotifications();
  });

  await phase('insights', async () => {
    await wb.runCommand('Code Coach: Show Insights');
    const insights = await wb.webview('the Insights page', '.report-insights', { until: (p) => /lesson\.py/.test(p.text) });
    expect(!/file:\/\//.test(insights.text), 'Insights shows a file:// URI');
    expect(!/\d{4}-\d\d-\d\dT\d\d:/.test(insights.text), 'Insights shows an ISO timestamp');
    expect(/Still in the code/.test(insights.text) && /of 5/.test(insights.text), `Insights lacks its sections: ${insights.text.slice(0, 400)}`);
    await shot('10-insights.png');
  });

  await phase('recommendations', async () => {
    await wb.runCommand('Code Coach: Show Recommendations');
    const recs = await wb.webview('the Recommendations page', '.report-recommendations', { until: (p) => /struggled with recently/.test(p.text) && /docs\.python\.org/.test(p.text) });
    expect(/You (hit|used)/.test(recs.text), `the recommendations do not say why: ${recs.text.slice(0, 300)}`);
    await shot('11-recommendations.png');
  });

  const summaryPage = async (period, after = 0) => {
    const s = await wb.webview(`the Learning Summary (${period})`, '#totals', {
      timeout: 60_000,
      until: (p) => ['rendered', 'empty', 'error'].includes(p.state) && p.renders > after,
    });
    if (s.state === 'error') fail(`the Learning Summary failed: ${s.text.slice(0, 300)}`);
    const info = await s.frame.evaluate(() => ({
      charts: document.body.dataset.charts ?? '0',
      painted: Array.from(document.querySelectorAll('canvas')).filter((c) => {
        const ctx = c.getContext('2d');
        if (!ctx || !c.width || !c.height) return false;
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
        return false;
      }).length,
      caption: document.getElementById('activity-caption')?.textContent ?? '',
      totals: Object.fromEntries(Array.from(document.querySelectorAll('#totals .total')).map((t) => [t.querySelector('.label')?.textContent, t.querySelector('.value')?.textContent])),
      buttons: Array.from(document.querySelectorAll('button[data-period]')).map((b) => { const r = b.getBoundingClientRect(); return [Math.round(r.x), Math.round(r.y)]; }),
      backticks: (document.getElementById('narrative')?.innerText ?? '').includes('`') || Array.from(document.querySelectorAll('#tables td')).some((td) => td.textContent.includes('`')),
      mastery: Array.from(document.querySelectorAll('#tables table:first-child td:nth-child(n+4)')).map((td) => td.textContent),
    }));
    expect(info.charts === '3' && info.painted === 3, `the summary should draw 3 charts; got ${info.charts} (${info.painted} painted)`);
    expect(!info.backticks, 'the summary shows literal backticks');
    return { ...s, ...info };
  };

  let today;
  await phase('learning summary: this week and today', async () => {
    await page.keyboard.press('Control+j'); // hide the panel: more room for the page
    await page.waitForTimeout(300);
    await wb.runCommand('Code Coach: Show Learning Summary');
    const week = await summaryPage('This week');
    expect(week.caption === 'Activity per day', `the week's chart is "${week.caption}"`);
    expect(!week.mastery.some((m) => /unseen/.test(m)), `the Mastery column still says "unseen": ${week.mastery.join(', ')}`);
    await shot('13-summary-week.png');
    await week.frame.evaluate(() => document.getElementById('mastery').closest('figure').scrollIntoView());
    await page.waitForTimeout(200);
    await shot('13b-summary-week-tables.png');
    await week.frame.evaluate(() => window.scrollTo(0, 0));
    await week.frame.locator('button[data-period="day"]').click();
    today = await summaryPage('Today', week.renders);
    expect(today.caption === 'Activity by hour', `today's chart is "${today.caption}", not by hour`);
    expect(JSON.stringify(today.buttons) === JSON.stringify(week.buttons), `the Today / This week buttons moved: ${JSON.stringify(week.buttons)} -> ${JSON.stringify(today.buttons)}`);
    log(`summary today: ${JSON.stringify(today.totals)}`);
    expect(Number(today.totals['Mistakes met']) >= 2, `today's summary counts ${today.totals['Mistakes met']} mistakes`);
    await shot('12-summary-today.png');
    fs.writeFileSync(path.join(artifacts, 'summary.json'), JSON.stringify({ week: week.totals, today: today.totals }, null, 2));
  });

  // ------------------------------------------------------------ restart: the record must not change
  const known = [];
  await phase('restart the server', async () => {
    await wb.runCommand('Code Coach: Restart Server');
    // The old server's "Coach: offline" must not pass for the new one: see it go first (it may be quick).
    await waitFor('the status bar to show the restart', 4000, async () => (await wb.statusItem.locator('.codicon-modifier-spin, .codicon-circle-slash').count()) > 0, 50).catch(() => log('(the restart was too quick to see in the status bar)'));
    await waitForCoach('the Code Coach server to start again');
    await page.keyboard.press('Control+Shift+M');
    await waitFor('CC102 back in the Problems view after the restart', 30_000, async () => (await wb.problems('CC102')).length > 0);
    await page.waitForTimeout(1500); // past settleSeconds: what the editor shows is remembered
    await page.keyboard.press('Control+j');
    await page.waitForTimeout(300);
    await wb.runCommand('Code Coach: Show Learning Summary');
    const after = await summaryPage('Today, after the restart', today.renders);
    await shot('14-summary-after-restart.png');
    const counts = (t) => ({ mistakes: t['Mistakes met'], fixed: t.Fixed, files: t.Files });
    const same = JSON.stringify(counts(after.totals)) === JSON.stringify(counts(today.totals));
    log(`after the restart: ${JSON.stringify(after.totals)} (before: ${JSON.stringify(today.totals)})`);
    const verdict = `the summary's counts ${same ? 'did not change' : 'changed'} across a restart: ${JSON.stringify(counts(today.totals))} -> ${JSON.stringify(counts(after.totals))}`;
    if (KNOWN_FAILURES.restart) {
      if (same) fail(`XPASS: ${verdict}; remove "restart" from KNOWN_FAILURES in run.mjs`);
      known.push(`XFAIL restart: ${verdict} (${KNOWN_FAILURES.restart})`);
      log(known.at(-1));
    } else if (!same) {
      fail(verdict);
    }
  });

  // ------------------------------------------------------------ the cloud: a bad key, then Gemini unreachable
  await phase('set a key with the wrong shape', async () => {
    await page.locator('.monaco-editor .view-lines').first().click();
    await wb.runCommand('Code Coach: Set Gemini API Key');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('sk-this-is-not-a-gemini-key');
    const message = page.locator('.quick-input-widget .quick-input-message');
    await waitFor('the validation message in the key box', 10_000, async () => /AIza/.test(await message.innerText().catch(() => '')));
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    expect(await input.isVisible(), 'a key of the wrong shape was accepted (the box closed)');
    await shot('15-set-key-invalid.png');
    await input.fill(FAKE_KEY);
    await waitFor('the validation message to go', 5000, async () => !/AIza|characters/.test(await message.innerText().catch(() => '')));
    await page.keyboard.press('Enter');
    const ask = wb.toast('Turn on cloud analysis now?');
    await ask.waitFor({ timeout: 10_000 });
    await ask.getByRole('button', { name: 'Turn On' }).click();
  });

  await phase('cloud unreachable', async () => {
    const problem = /unreachable|limited|key rejected/i;
    const text = await waitFor('the status bar to say Gemini cannot be reached', 60_000, async () => {
      const t = await wb.statusText();
      return problem.test(t) && t;
    }, 500);
    const tooltip = await wb.statusTooltip();
    log(`status: "${text}" — ${tooltip.replace(/\s+/g, ' ')}`);
    expect(!/Errno|ConnectError/.test(tooltip), `the status tooltip shows a raw error: ${tooltip}`);
    // One notification says what is wrong, with the action that helps.
    const toast = page.locator('.notification-toast', { hasText: /Gemini can't be reached|Gemini failed several times/ }).first();
    await toast.waitFor({ timeout: 20_000 }).catch(() => fail('no notification says that Gemini cannot be reached'));
    const said = (await toast.innerText()).replace(/\s+/g, ' ');
    expect(/Open Logs/.test(said) && /Stay Offline/.test(said), `the notification offers no action: ${said}`);
    await page.waitForTimeout(2000); // more status messages arrive; no more notifications may
    const toasts = await page.locator('.notification-toast', { hasText: 'Gemini' }).count();
    expect(toasts === 1, `${toasts} notifications about Gemini (one is enough)`);
    if (!/unreachable/i.test(text)) {
      known.push(`NOTE cloud: the server reports "${text}" and a paused breaker (no "unreachable" state yet: the lead's Models API check has not landed on this branch)`);
      log(known.at(-1));
    }
    await shot('16-cloud-unreachable.png');
    await wb.clearNotifications();
    await wb.statusItem.hover();
    await page.waitForTimeout(900);
    await shot('16b-cloud-status-tooltip.png');
    await page.mouse.move(700, 400);
    await wb.clearNotifications();
  });

  await phase('light theme', async () => {
    // Ctrl+K Ctrl+T: the color theme picker (the palette's row for it has changed names over releases).
    await page.locator('.monaco-editor .view-lines').first().click({ position: { x: 400, y: 5 }, force: true });
    await page.keyboard.press('Control+k');
    await page.keyboard.press('Control+t');
    // The installed theme only: the picker's "Browse Additional Color Themes" would go online.
    await page.locator('.quick-input-widget input').fill('Light Modern');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Light Modern' }).filter({ hasNotText: 'Browse' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await waitFor('the light theme', 15_000, async () => page.evaluate(() => document.querySelector('.monaco-workbench')?.classList.contains('vs')));
    await wb.runCommand('Code Coach: Show Learning Summary');
    await summaryPage('Learning Summary in the light theme', 0);
    await page.waitForTimeout(500);
    await shot('17-light-theme.png');
  });

  passed = true;
  log(`status bar at the end: "${await wb.statusText()}"`);
  fs.writeFileSync(path.join(artifacts, 'screenshots.txt'), `${shots.join('\n')}\n`);
  for (const k of known) log(k);
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
