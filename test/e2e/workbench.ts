// Page object of the VS Code workbench in code-server, for the e2e tests.
// It speaks in what a person sees (titles of containers, views, commands),
// and keeps VS Code's DOM details (class names, aria labels) in one place.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, type FrameLocator, type Locator, type Page } from '@playwright/test';
import { README_SCREENSHOT_EDITOR, artifactsDir, editorName, repoRoot, serverUrl } from './server';

/** Escape a string for use inside a RegExp. */
function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Escape a string for use inside a CSS attribute selector "...". */
function cssString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** An exact, whole-text match. */
function exactly(s: string): RegExp {
  return new RegExp(`^\\s*${escapeRe(s)}\\s*$`);
}

export class Workbench {
  /** How long to wait for the workbench and the extension host on a slow machine. */
  static readonly READY_TIMEOUT = 120_000;

  constructor(readonly page: Page) {}

  // ---------------------------------------------------------------- parts

  get workbench(): Locator { return this.page.locator('.monaco-workbench'); }
  get activityBar(): Locator { return this.page.locator('.monaco-workbench .part.activitybar'); }
  get sideBar(): Locator { return this.page.locator('.monaco-workbench .part.sidebar'); }
  get panel(): Locator { return this.page.locator('.monaco-workbench .part.panel'); }
  get editorPart(): Locator { return this.page.locator('.monaco-workbench .part.editor'); }
  get statusBar(): Locator { return this.page.locator('.monaco-workbench .part.statusbar'); }
  get quickInput(): Locator { return this.page.locator('.quick-input-widget'); }

  /**
   * A status bar item of an extension, by the id it was created with (the first argument of
   * createStatusBarItem, e.g. "kafkaAirflow.airflowStatus"); VS Code prefixes it with the
   * extension id in the element's id. Its text is what the item shows (codicons are empty).
   */
  statusBarItem(id: string): Locator {
    return this.statusBar.locator(`.statusbar-item[id$="${cssString(`.${id}`)}"]`);
  }

  // ---------------------------------------------------------------- open

  /** Open code-server's workbench and wait until it is ready to use. */
  async open(): Promise<void> {
    await this.page.goto(serverUrl());
    await this.waitReady();
  }

  /**
   * Ready: the workbench parts are drawn, the workspace folder is open in the
   * Explorer, and the extension host has started (the activity bar shows an
   * extension's container, or a given one).
   */
  async waitReady(containerTitle?: string): Promise<void> {
    const timeout = Workbench.READY_TIMEOUT;
    await expect(this.workbench).toBeVisible({ timeout });
    await expect(this.activityBar).toBeVisible({ timeout });
    await expect(this.statusBar).toBeVisible({ timeout });
    await expect(this.editorPart).toBeVisible({ timeout });
    if (containerTitle) await expect(this.activityBarItem(containerTitle)).toBeVisible({ timeout });
  }

  // ---------------------------------------------------------------- activity bar, views

  /** The activity-bar item (tab) of a view container, by its title. */
  activityBarItem(title: string): Locator {
    const t = cssString(title);
    // The title sits on the inner link; it may be followed by " (keybinding)".
    return this.activityBar
      .locator('li.action-item')
      .filter({ has: this.page.locator(`a.action-label[aria-label="${t}"], a.action-label[aria-label^="${t} ("]`) });
  }

  /** Open a view container from the activity bar (does not toggle it closed). */
  async openContainer(title: string): Promise<Locator> {
    const item = this.activityBarItem(title);
    await expect(item).toBeVisible({ timeout: Workbench.READY_TIMEOUT });
    if ((await item.getAttribute('aria-selected')) !== 'true' || !(await this.sideBar.isVisible())) {
      await item.click();
    }
    await expect(item).toHaveAttribute('aria-selected', 'true');
    await expect(this.sideBar.locator('.composite.title h2')).toHaveText(exactly(title), { ignoreCase: true });
    return this.sideBar;
  }

  /** The header of a view (section) in the side bar, by the view's title. */
  viewHeader(title: string): Locator {
    return this.sideBar.locator(`.pane-header[aria-label="${cssString(title)} Section"]`);
  }

  /** A view (header and body) in the side bar, by its title. */
  view(title: string): Locator {
    // `has` is matched inside each .pane, so it must not start from the side bar.
    const header = this.page.locator(`.pane-header[aria-label="${cssString(title)} Section"]`);
    return this.sideBar.locator('.pane').filter({ has: header });
  }

  /** Expand a view when it is collapsed; returns the view. */
  async expandView(title: string): Promise<Locator> {
    const header = this.viewHeader(title);
    await expect(header).toBeVisible();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await expect(header).toHaveAttribute('aria-expanded', 'true');
    return this.view(title);
  }

  /** The welcome content ("viewsWelcome") of a view. */
  welcome(title: string): Locator {
    return this.view(title).locator('.welcome-view-content');
  }

  /** The rows of a tree view, by the view's title. */
  treeItems(title: string): Locator {
    return this.view(title).locator('.monaco-list-row');
  }

  /**
   * The rows of a tree view, also while the view shows a description: the header's aria-label
   * then reads "DAGs - filter: x Section", so the view is found by the start of its label.
   */
  treeRows(title: string): Locator {
    const t = cssString(title);
    const header = this.page.locator(`.pane-header[aria-label="${t} Section"], .pane-header[aria-label^="${t} - "]`);
    return this.sideBar.locator('.pane').filter({ has: header }).locator('.monaco-list-row');
  }

  /** A row of a tree view whose label is exactly `label` (a string) or matches it (a RegExp); the description may follow. */
  treeRow(title: string, label: string | RegExp): Locator {
    const name = typeof label === 'string' ? exactly(label) : label;
    return this.treeRows(title).filter({ has: this.page.locator('.label-name', { hasText: name }) });
  }

  /**
   * The row `offset` places below `row` in the list, by the list's own index (a run's first
   * task, say). Rows are flat in the DOM, so this is how a child of one particular row is found
   * when other rows show children of the same name. Read it again after the tree reloads.
   */
  async rowBelow(title: string, row: Locator, offset = 1): Promise<Locator> {
    const index = Number(await row.getAttribute('data-index'));
    if (!Number.isInteger(index)) throw new Error(`the row has no list index (data-index="${String(index)}")`);
    const below = this.treeRows(title).and(this.page.locator(`[data-index="${index + offset}"]`));
    // A tree draws only the rows in sight. When `row` is the last one a short view shows (VS Code
    // 1.139 gives the DAGs view fewer rows than 1.100 did), scroll the list down with the wheel, as
    // a person would, so the row below is drawn.
    if ((await below.count()) === 0) {
      const box = await row.boundingBox();
      if (box) {
        await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await this.page.mouse.wheel(0, box.height * (offset + 1));
      }
    }
    return below;
  }

  /** The text of a row's label (without its description). */
  async rowLabel(row: Locator): Promise<string> {
    return (await row.locator('.label-name').first().innerText()).trim();
  }

  /**
   * Expand a tree row when it is collapsed, clicking its twistie again when a refresh of the
   * view swallowed the click (rows are redrawn when their data arrives).
   */
  async expandRow(row: Locator): Promise<void> {
    await expect(row).toBeVisible({ timeout: 60_000 });
    await expect(async () => {
      if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
      await expect(row).toHaveAttribute('aria-expanded', 'true', { timeout: 3000 });
    }).toPass({ timeout: 60_000 });
  }

  /** Run Connect to Local Stack and wait for its confirmation (each test starts with empty secret storage). */
  async connectLocalStack(): Promise<void> {
    await this.runCommand('Kafka Airflow: Connect to Local Stack');
    await this.waitForNotification(/Connected to the local stack/);
    await this.clearNotifications();
  }

  /** The content frame of the webview panel on screen (a form, the inspector or a trace). */
  activeWebview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');
  }

  /** Collapse a tree row when it is expanded. */
  async collapseRow(row: Locator): Promise<void> {
    await expect(row).toBeVisible();
    if ((await row.getAttribute('aria-expanded')) === 'true') await row.locator('.monaco-tl-twistie').click();
    await expect(row).toHaveAttribute('aria-expanded', 'false');
  }

  /** Click an inline action of a row, by its title (the actions show when the row is hovered or selected). */
  async clickInlineAction(row: Locator, title: string): Promise<void> {
    // An action with a keybinding has it appended to its label: "Refresh All Views (Ctrl+Alt+K R)".
    const action = row.locator(`.actions .action-label[aria-label="${cssString(title)}"], .actions .action-label[aria-label^="${cssString(title)} ("]`);
    // A row redrawn under the mouse (its data arrived) loses the hover and hides its actions
    // again (seen in VS Code 1.100 while a DAG list refreshed): hover it again, as a person would.
    await expect(async () => {
      await this.page.mouse.move(0, 0);
      await row.hover();
      await expect(action).toBeVisible({ timeout: 5_000 });
    }, `the inline action "${title}" shows on the hovered row`).toPass({ timeout: 60_000 });
    await action.click();
  }

  /** Run an entry of a row's context menu (right click), by its title. */
  async runContextMenu(row: Locator, title: string): Promise<void> {
    await row.click({ button: 'right' });
    const entry = this.page.locator('.context-view .monaco-menu').getByRole('menuitem', { name: title, exact: true });
    await expect(entry, `"${title}" in the context menu`).toBeVisible();
    await entry.click();
  }

  /** Collapse the views with these titles when they are expanded (clicking the title, not the header's actions). */
  async collapseViews(titles: readonly string[]): Promise<void> {
    for (const title of titles) {
      const header = this.viewHeader(title);
      if ((await header.count()) > 0 && (await header.getAttribute('aria-expanded')) === 'true') {
        await header.click({ position: { x: 24, y: 11 } });
        await expect(header).toHaveAttribute('aria-expanded', 'false');
      }
    }
  }

  /**
   * Drag the edge below a view down until the view is at least `height` pixels tall (as far as
   * the view below can give). A tree draws only the rows in sight, and when other views are
   * collapsed VS Code (1.100 and 1.139 alike) gives their room to the view below, not this one:
   * the DAGs view kept 7 or 8 rows while Datasets got the rest.
   */
  async growView(title: string, height: number): Promise<void> {
    const t = cssString(title);
    const header = this.page.locator(`.pane-header[aria-label="${t} Section"], .pane-header[aria-label^="${t} - "]`);
    const box = await this.sideBar.locator('.pane').filter({ has: header }).boundingBox();
    if (!box || box.height >= height) return;
    const x = box.x + box.width / 2;
    await this.page.mouse.move(x, box.y + box.height + 1);
    await this.page.mouse.down();
    await this.page.mouse.move(x, box.y + height, { steps: 8 });
    await this.page.mouse.up();
  }

  /** Drag the side bar's edge until it is at least `width` pixels wide (screenshots then show rows whole). */
  async widenSideBar(width: number): Promise<void> {
    const box = await this.sideBar.boundingBox();
    if (!box || box.width >= width) return;
    const y = box.y + box.height / 2;
    await this.page.mouse.move(box.x + box.width + 1, y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, y, { steps: 8 });
    await this.page.mouse.up();
  }

  // ---------------------------------------------------------------- commands

  /** Open the Command Palette (F1), retrying once when focus was elsewhere. */
  async openCommandPalette(): Promise<Locator> {
    const input = this.quickInput.locator('input.input');
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.page.keyboard.press('F1');
      try {
        await expect(input).toBeVisible({ timeout: 10_000 });
        await expect(input).toHaveValue(/^>/, { timeout: 5_000 });
        return input;
      } catch {
        // Focus was in a webview or an input that swallowed F1: refocus the workbench.
        await this.page.keyboard.press('Escape');
        await this.editorPart.click({ position: { x: 10, y: 10 }, force: true });
      }
    }
    throw new Error('the Command Palette did not open');
  }

  /** Run a command by its title as shown in the Command Palette ("Category: Title"). */
  async runCommand(title: string): Promise<void> {
    const input = await this.openCommandPalette();
    await input.pressSequentially(title, { delay: 5 });
    const row = this.quickInput
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(title) }) })
      .first();
    await expect(row, `command "${title}" in the Command Palette`).toBeVisible();
    await row.click();
    await expect(this.quickInput).toBeHidden();
  }

  /**
   * Run a command that asks for input right away, and wait until its first input shows
   * `inputTitle`. (runCommand waits for the quick input to close, which races with the input
   * box the command opens in the same widget.)
   */
  async runCommandThatAsks(title: string, inputTitle: string | RegExp): Promise<void> {
    const input = await this.openCommandPalette();
    await input.pressSequentially(title, { delay: 5 });
    const entry = this.quickInput
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(title) }) })
      .first();
    await expect(entry, `command "${title}" in the Command Palette`).toBeVisible();
    await entry.click();
    await expect(this.quickInput.locator('.quick-input-title')).toHaveText(inputTitle);
  }

  /** Answer the step of a multi-step input whose title is `inputTitle` (waits for that step first). */
  async answerStep(inputTitle: string | RegExp, text: string): Promise<void> {
    await expect(this.quickInput.locator('.quick-input-title')).toHaveText(inputTitle);
    await this.answerInput(text);
  }

  /** Pick an entry of an open quick pick (after a command asked for one), by its label. */
  async pickQuickItem(label: string): Promise<void> {
    const row = this.quickInput
      .locator('.monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exactly(label) }) })
      .first();
    await expect(row).toBeVisible();
    await row.click();
  }

  /**
   * Answer an open input box (showInputBox) with text and Enter, and wait until the answer was
   * taken: the box closed, or the next step replaced it (another title or an emptied input).
   * Without the wait, the next answer could be typed into this same step while it still checks
   * the first one (VS Code 1.139 on a loaded machine: "3" partitions became "1").
   */
  async answerInput(text: string): Promise<void> {
    const input = this.quickInput.locator('input.input');
    await expect(input).toBeVisible();
    const title = (await this.quickInputTitle.count()) > 0 ? await this.quickInputTitle.innerText() : '';
    await input.fill(text);
    await input.press('Enter');
    let pressed = Date.now();
    await expect.poll(async () => {
      if (!(await this.quickInput.isVisible())) return 'taken';
      const now = (await this.quickInputTitle.count()) > 0 ? await this.quickInputTitle.innerText() : '';
      if (now !== title) return 'taken';
      if ((await input.inputValue()) !== text) return 'taken';
      // Still this step with this text after a while: seen once in VS Code 1.100 on a loaded machine,
      // the box kept "0" with its progress bar running for 30 s after Enter. Press it again, as a
      // person would; the step and the text are the same, so the answer is the same.
      if (Date.now() - pressed > 5_000 && !(await input.isDisabled())) {
        await input.press('Enter');
        pressed = Date.now();
      }
      return 'still in the box';
    }, { message: `the input box did not take "${text}" (is it refused? see its message)`, timeout: 30_000 }).toBe('taken');
  }

  /** The title of the open quick input (a command's quick pick or input box). */
  get quickInputTitle(): Locator {
    return this.quickInput.locator('.quick-input-title');
  }

  /**
   * In an open multi-select quick pick (canPickMany), leave exactly the entries labelled
   * `labels` checked, then accept with its OK button. Each entry's checkbox is toggled by
   * clicking it (a click on the row's text would toggle it too, but the checkbox says its
   * state in aria-checked, so the result is checked before OK).
   */
  async pickQuickItems(labels: readonly string[]): Promise<void> {
    const rows = this.quickInput.locator('.quick-input-list .monaco-list-row');
    await expect(rows.first()).toBeVisible();
    for (const row of await rows.all()) {
      const label = (await row.locator('.label-name').first().innerText()).trim();
      const checkbox = row.locator('.monaco-checkbox, input[type="checkbox"]').first();
      const want = labels.includes(label);
      const isChecked = async (): Promise<boolean> => {
        const aria = await checkbox.getAttribute('aria-checked');
        return aria === null ? checkbox.isChecked() : aria === 'true';
      };
      if ((await isChecked()) !== want) await checkbox.click();
      await expect.poll(isChecked, { message: `"${label}" ${want ? 'checked' : 'not checked'}` }).toBe(want);
    }
    const shown = (await rows.locator('.label-name').allInnerTexts()).map((s) => s.trim());
    for (const label of labels) expect(shown, `"${label}" is an entry of the quick pick`).toContain(label);
    await this.quickInput.locator('.quick-input-action .monaco-button', { hasText: exactly('OK') }).click();
  }

  // ---------------------------------------------------------------- notifications

  /** The notification toasts on screen. */
  get notificationToasts(): Locator {
    return this.page.locator('.notifications-toasts .notification-toast');
  }

  /** The messages of the notification toasts on screen. */
  async notifications(): Promise<string[]> {
    const msgs = this.page.locator('.notifications-toasts .notification-list-item-message');
    return (await msgs.allInnerTexts()).map((s) => s.trim());
  }

  /** Wait for a notification toast whose message matches; returns the toast. */
  async waitForNotification(message: string | RegExp, timeout = 60_000): Promise<Locator> {
    const toast = this.notificationToasts
      .filter({ has: this.page.locator('.notification-list-item-message', { hasText: message }) })
      .first();
    await expect(toast).toBeVisible({ timeout });
    return toast;
  }

  /** Close every notification toast (Command Palette: "Notifications: Clear All Notifications"). */
  async clearNotifications(): Promise<void> {
    if ((await this.notificationToasts.count()) === 0) return;
    await this.runCommand('Notifications: Clear All Notifications');
    await expect(this.notificationToasts).toHaveCount(0);
  }

  // ---------------------------------------------------------------- dialogs

  /** The modal dialog on screen (showWarningMessage with modal: true, confirmations). */
  get dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  /** Wait for a modal dialog whose message matches, then press its button `button`. */
  async answerDialog(message: string | RegExp, button: string): Promise<void> {
    await expect(this.dialog).toBeVisible();
    // The message sits in .dialog-message-text when the dialog has a detail, else elsewhere: match the whole box.
    await expect(this.dialog).toContainText(message);
    await this.dialog.locator('.dialog-buttons .monaco-button', { hasText: exactly(button) }).click();
    await expect(this.dialog).toBeHidden();
  }

  // ---------------------------------------------------------------- panel, output

  /** The active tab of the bottom panel (e.g. "Output"). */
  get activePanelTab(): Locator {
    return this.panel.locator('.composite.title li.action-item.checked');
  }

  /** The channel picker of the Output panel (a <select>). */
  get outputChannelSelect(): Locator {
    return this.panel.locator('.composite.title select.monaco-select-box').first();
  }

  /** The name of the channel the Output panel shows. */
  async outputChannel(): Promise<string> {
    return this.outputChannelSelect.inputValue();
  }

  /** The visible text of the Output panel. */
  async outputText(): Promise<string> {
    return (await this.panel.locator('.view-lines').allInnerTexts()).join('\n');
  }

  // ---------------------------------------------------------------- screenshots

  /** Save a screenshot as test/e2e/artifacts/<name>.png; returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(artifactsDir, `${name}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Park the mouse over the empty editor area so no hover tooltip shows.
    const box = await this.editorPart.boundingBox();
    if (box) await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await this.page.waitForTimeout(300);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * Takes a screenshot for the README: media/screenshots/<name>.png, and a copy in the test
   * artifacts. Only the run in the README's editor (the current one) writes media/screenshots;
   * the other run keeps its copy in its artifacts.
   */
  async saveReadmeScreenshot(name: string): Promise<void> {
    const file = await this.screenshot(name);
    if (editorName() !== README_SCREENSHOT_EDITOR) return;
    const dir = path.join(repoRoot, 'media', 'screenshots');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(file, path.join(dir, `${name}.png`));
  }
}

/** Open the workbench in a page and return its page object. */
export async function openWorkbench(page: Page): Promise<Workbench> {
  const wb = new Workbench(page);
  await wb.open();
  return wb;
}
