// Driving code-server's workbench from playwright: the command palette, the
// editor cursor, Quick Fix menus, notifications, the status bar and the webview
// pages (each an iframe inside an iframe). Every wait is bounded; a timeout
// names what it waited for.

export class E2EFailure extends Error {}
export const fail = (message) => {
  throw new E2EFailure(message);
};

export async function waitFor(what, timeoutMs, probe, intervalMs = 250) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (error) {
      if (error instanceof E2EFailure) throw error;
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  fail(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? ` (last error: ${last.message ?? last})` : ''}`);
}

export class Workbench {
  constructor(page) {
    this.page = page;
    this.statusItem = page.locator('.statusbar-item', { hasText: 'Coach' }).first();
  }

  async runCommand(title) {
    const { page } = this;
    const input = page.locator('.quick-input-widget input');
    // A key pressed while a webview has the focus does not always reach the workbench, and
    // a focus change just after (a panel closing) closes the palette again: retry from the editor.
    for (let attempt = 1; ; attempt++) {
      try {
        await page.keyboard.press('F1');
        await input.fill(`>${title}`, { timeout: 3000 });
        // Enter runs the highlighted row: it must be this command, not a near match.
        await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).first().waitFor({ timeout: 15_000 });
        await page.keyboard.press('Enter');
        return;
      } catch (error) {
        if (attempt === 3) fail(`could not run "${title}" from the command palette (${error.message.split('\n')[0]})`);
        await page.keyboard.press('Escape');
        await page.waitForTimeout(500);
        // Last resort: the editor takes the focus (this moves its cursor).
        if (attempt === 2) await page.locator('.monaco-editor .view-lines').first().click({ position: { x: 400, y: 5 }, force: true });
      }
    }
  }

  /** Put the cursor at line:column (1-based) of the active editor. */
  async goTo(line, column = 1) {
    const { page } = this;
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+g');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`:${line}:${column}`);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(150);
  }

  /** Open the Quick Fix menu at line:column; returns the titles it offers. */
  async quickFixMenu(line, column, expect) {
    const { page } = this;
    return waitFor(`a Quick Fix menu at ${line}:${column} offering "${expect}"`, 20_000, async () => {
      await page.keyboard.press('Escape');
      await this.goTo(line, column);
      await page.keyboard.press('Control+.');
      const rows = page.locator('.action-widget .monaco-list-row');
      await rows.first().waitFor({ timeout: 4000 });
      const titles = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      return titles.some((t) => t.includes(expect)) ? titles : false;
    }, 500);
  }

  async chooseQuickFix(title) {
    await this.page.locator('.action-widget .monaco-list-row', { hasText: title }).first().click();
  }

  /** The visible notification toast containing `text`. */
  toast(text) {
    return this.page.locator('.notification-toast', { hasText: text }).first();
  }

  async clearNotifications() {
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.waitForTimeout(200);
  }

  async statusText() {
    return (await this.statusItem.innerText().catch(() => '')).trim();
  }

  /** The status bar item's tooltip: its aria-label is "<text>, <tooltip>". */
  async statusTooltip() {
    const label = (await this.statusItem.getAttribute('aria-label').catch(() => '')) ?? '';
    const comma = label.indexOf(', ');
    return comma >= 0 ? label.slice(comma + 2) : label;
  }

  /** The Problems view's rows mentioning `code` (the panel must be open). */
  async problems(code) {
    return this.page.locator('.markers-panel .monaco-list-row', { hasText: code }).allInnerTexts();
  }

  /**
   * The webview frame whose document contains `marker` (a CSS selector), with its text.
   * Webviews are an iframe (VS Code's host) around an iframe (our page).
   */
  async webview(what, marker, { timeout = 30_000, until = () => true } = {}) {
    return waitFor(what, timeout, async () => {
      for (const frame of this.page.frames()) {
        const found = await frame.evaluate((sel) => {
          const el = document.querySelector(sel);
          return el ? { text: document.body.innerText, state: document.body.dataset.state ?? '', renders: Number(document.body.dataset.renders ?? 0) } : null;
        }, marker).catch(() => null);
        if (found && until(found)) return { frame, ...found };
      }
      return false;
    }, 400);
  }
}
