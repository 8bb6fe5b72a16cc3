// Airflow in the editor, as a person uses it in a real VS Code (code-server) against the
// native stack's Airflow 3 (http://127.0.0.1:8080): connect, filter the DAGs, trigger a
// DAG from its row with a conf, watch its run turn green, open the task log and find the
// task's own line, then fire a dataset event from the form and see the run it started.
// Needs `bash stack/native/stack.sh up airflow3`; skipped (with the reason) when Airflow 3
// does not answer.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test, type FrameLocator, type Locator } from '@playwright/test';
import { repoRoot } from './server';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const AIRFLOW = 'http://127.0.0.1:8080';
const HELLO_DAG = 'workbench_test_hello';
const CONSUMER_DAG = 'workbench_test_dataset_consumer';
const DATASET_URI = 'workbench://test/dataset';
/** A run of the one-task test DAG takes seconds; the scheduler may need a while to pick it up. */
const RUN_TIMEOUT = 150_000;
const screenshotsDir = path.join(repoRoot, 'media', 'screenshots');

async function airflowAnswers(): Promise<boolean> {
  try {
    const response = await fetch(`${AIRFLOW}/api/v2/version`, { signal: AbortSignal.timeout(5000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Saves a screenshot for the README (media/screenshots/<name>.png) and in the test artifacts. */
async function saveScreenshot(wb: Workbench, name: string): Promise<void> {
  const file = await wb.screenshot(name);
  fs.mkdirSync(screenshotsDir, { recursive: true });
  fs.copyFileSync(file, path.join(screenshotsDir, `${name}.png`));
}

/**
 * The rows of a view. The header's aria-label carries the view's description too ("DAGs -
 * filter: x Section" while the DAGs are filtered), so the view is found by the start of it.
 */
function rows(wb: Workbench, view: string): Locator {
  const header = wb.page.locator(`.pane-header[aria-label="${view} Section"], .pane-header[aria-label^="${view} - "]`);
  return wb.sideBar.locator('.pane').filter({ has: header }).locator('.monaco-list-row');
}

/** A row of a tree view whose label is exactly `label` (the description may follow). */
function row(wb: Workbench, view: string, label: string): Locator {
  return rows(wb, view).filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }) });
}

/** The inline action of a row, by its title (shown when the row is hovered or selected). */
async function clickInlineAction(target: Locator, title: string): Promise<void> {
  await target.hover();
  const action = target.locator(`.actions .action-label[aria-label="${title}"]`);
  await expect(action).toBeVisible();
  await action.click();
}

/** Collapses the views that are not about Airflow and widens the side bar, so the README's screenshots show the rows whole. */
async function focusOnAirflowViews(wb: Workbench): Promise<void> {
  for (const title of ['Kafka', 'Message History', 'Stack']) {
    const header = wb.viewHeader(title);
    if ((await header.count()) > 0 && (await header.getAttribute('aria-expanded')) === 'true') {
      // Click the title, not the middle: a view's title actions sit in the header too.
      await header.click({ position: { x: 24, y: 11 } });
      await expect(header).toHaveAttribute('aria-expanded', 'false');
    }
  }
  const box = await wb.sideBar.boundingBox();
  if (box && box.width < 450) {
    const y = box.y + box.height / 2;
    await wb.page.mouse.move(box.x + box.width + 1, y);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + 560, y, { steps: 8 });
    await wb.page.mouse.up();
  }
}

/**
 * Runs a command that asks for input right away. (Workbench.runCommand waits for the quick
 * input to close, which races with the input box the command opens in the same widget.)
 */
async function runCommandThatAsks(wb: Workbench, title: string, inputTitle: string): Promise<void> {
  const input = await wb.openCommandPalette();
  await input.pressSequentially(title, { delay: 5 });
  const entry = wb.quickInput.locator('.monaco-list-row').filter({ has: wb.page.locator('.label-name', { hasText: title }) }).first();
  await entry.click();
  await expect(wb.quickInput.locator('.quick-input-title')).toHaveText(inputTitle);
}

/** The content frame of the webview panel with this title. */
function webview(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

test.describe('Airflow in the editor', () => {
  // Typing into the palette and clicking rows is slow when the 2 cores also run the stack.
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    test.skip(!(await airflowAnswers()), `Airflow 3 does not answer at ${AIRFLOW}: run "bash stack/native/stack.sh up airflow3"`);
  });

  test('trigger a DAG from the tree, watch it turn green, read its log, fire a dataset event', async ({ page }) => {
    test.setTimeout(480_000);
    const marker = `e2e-${Date.now().toString(36)}`;
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);

    await test.step('connect to the local stack', async () => {
      await wb.runCommand('Kafka Airflow: Connect to Local Stack');
      await wb.waitForNotification(/Connected to the local stack/);
      await wb.clearNotifications();
    });

    await test.step('the DAGs view lists the server with its version and health', async () => {
      await wb.expandView('DAGs');
      await focusOnAirflowViews(wb);
      const connection = row(wb, 'DAGs', 'Local stack');
      await expect(connection).toBeVisible();
      await expect(connection).toContainText(/Airflow 3\.\d+\.\d+ · healthy/, { timeout: 60_000 });
      await expect(wb.statusBar.getByText(/Airflow 3\.\d+\.\d+ ✓/)).toBeVisible({ timeout: 60_000 });
    });

    await test.step('filter the DAGs down to the test DAG', async () => {
      await runCommandThatAsks(wb, 'Kafka Airflow: Filter DAGs…', 'Filter DAGs');
      await wb.answerInput(HELLO_DAG);
      await expect(row(wb, 'DAGs', HELLO_DAG)).toBeVisible();
      await expect(row(wb, 'DAGs', 'workbench_smoke')).toHaveCount(0);
    });

    await test.step('trigger it from its row with a conf', async () => {
      await clickInlineAction(row(wb, 'DAGs', HELLO_DAG), 'Trigger DAG');
      const title = wb.quickInput.locator('.quick-input-title');
      await expect(title).toHaveText(new RegExp(`^(Trigger ${HELLO_DAG}|Trigger DAG: which DAG\\?)$`));
      // A click that lands while the view reloads reaches the command without its row: it asks for the DAG.
      if ((await title.textContent()) !== `Trigger ${HELLO_DAG}`) await wb.pickQuickItem(HELLO_DAG);
      await expect(title).toHaveText(`Trigger ${HELLO_DAG}`);
      await wb.answerInput(JSON.stringify({ marker }));
    });

    const runRow = rows(wb, 'DAGs').filter({ has: wb.page.locator('.label-name', { hasText: /^\s*manual__/ }) }).first();
    await test.step('its new run appears and turns green', async () => {
      await expect(runRow).toBeVisible({ timeout: 30_000 });
      await expect(runRow.locator('.codicon-pass-filled'), 'the run succeeds (the view refreshes on its own)').toBeVisible({ timeout: RUN_TIMEOUT });
      await expect(runRow).toContainText('success');
      await expect(row(wb, 'DAGs', HELLO_DAG).locator('.codicon-pass-filled')).toBeVisible({ timeout: 30_000 });
    });

    await test.step('its task shows success and opens its log with the task\'s own line', async () => {
      if ((await runRow.getAttribute('aria-expanded')) !== 'true') await runRow.click();
      const taskRow = row(wb, 'DAGs', 'say_hello');
      await expect(taskRow).toBeVisible({ timeout: 30_000 });
      await expect(taskRow).toContainText('success · try 1');
      await saveScreenshot(wb, 'dags-tree');
      await taskRow.click();
      const tab = wb.editorPart.locator('.tab', { hasText: 'say_hello · try 1.log' });
      await expect(tab).toBeVisible({ timeout: 30_000 });
      const editorText = wb.editorPart.locator('.view-lines');
      // "time LEVEL text": the task's own line with its UTC time and level.
      await expect(editorText).toContainText(`INFO hello from workbench marker=${marker}`, { timeout: 30_000 });
      const lines = (await editorText.innerText()).replace(/[\s\u00a0]+/g, ' ');
      expect(lines).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO hello from workbench marker=${marker}`));
      await saveScreenshot(wb, 'task-log');
    });

    await test.step('fire a dataset event from the form and see the run it started', async () => {
      await wb.runCommand('Kafka Airflow: Fire Dataset Event');
      const form = webview(wb);
      await expect(form.locator('h1')).toHaveText('Fire Dataset Event', { timeout: 60_000 });
      await expect(form.locator('#datasets-hint')).toContainText(/Airflow 3\.\d+\.\d+ · \d+ datasets?/, { timeout: 60_000 });

      // extra that is not an object is refused with its line and column, before anything is sent.
      await form.locator('#uri input').fill(DATASET_URI);
      await expect(form.locator('#consumers-hint')).toContainText(CONSUMER_DAG);
      await form.locator('#extra textarea').fill('{\n  "source": e2e\n}');
      await form.locator('#fire').click();
      await expect(form.locator('#error')).toContainText('extra is not valid JSON: line 2, column 13');

      await form.locator('#extra textarea').fill(JSON.stringify({ source: 'e2e', marker }, null, 2));
      await expect(form.locator('#extra-problem')).toHaveText('');
      await form.locator('#fire').click();
      await expect(form.locator('#event-title')).toHaveText(/Event #\d+ fired/, { timeout: 30_000 });
      const started = form.locator(`tr.run[data-dag="${CONSUMER_DAG}"]`);
      await expect(started, 'the event starts a run of the DAG scheduled on the dataset').toBeVisible({ timeout: RUN_TIMEOUT });
      await expect(started.locator('[data-state="success"]')).toBeVisible({ timeout: RUN_TIMEOUT });
      await saveScreenshot(wb, 'dataset-event');

      // The run is one click away in the DAGs view.
      await started.locator('a.link').click();
      await expect(rows(wb, 'DAGs').filter({ hasText: CONSUMER_DAG }).first()).toBeVisible({ timeout: 30_000 });
    });

    await test.step('the Datasets view shows the event under the dataset, with the run it created', async () => {
      const dataset = row(wb, 'Datasets', DATASET_URI);
      await expect(dataset).toBeVisible({ timeout: 30_000 });
      if ((await dataset.getAttribute('aria-expanded')) !== 'true') await dataset.click();
      const events = row(wb, 'Datasets', 'Recent events');
      await expect(events).toBeVisible();
      await events.click();
      const event = rows(wb, 'Datasets').filter({ hasText: `marker=${marker}` }).first();
      await expect(event, 'the event with our extra').toBeVisible({ timeout: 30_000 });
      await expect(event).toContainText('fired through the API');
      if ((await event.getAttribute('aria-expanded')) !== 'true') await event.click();
      const created = rows(wb, 'Datasets').filter({ hasText: CONSUMER_DAG }).filter({ has: wb.page.locator('.codicon-pass-filled') }).first();
      await expect(created, 'the run it created, green').toBeVisible({ timeout: 30_000 });
    });
  });

  test('a refused password shows the cause in the tree and offers to re-enter it', async ({ page }) => {
    test.setTimeout(300_000);
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);
    await wb.runCommand('Kafka Airflow: Connect to Local Stack');
    await wb.waitForNotification(/Connected to the local stack/);
    await wb.clearNotifications();
    await wb.expandView('DAGs');
    await runCommandThatAsks(wb, 'Kafka Airflow: Filter DAGs…', 'Filter DAGs');
    await wb.answerInput(HELLO_DAG);
    await expect(row(wb, 'DAGs', HELLO_DAG)).toBeVisible({ timeout: 60_000 });

    await test.step('a wrong password: the DAGs view says the credentials were refused', async () => {
      await runCommandThatAsks(wb, 'Kafka Airflow: Re-enter Airflow Password', 'Password of admin on Airflow "Local stack"');
      await wb.answerInput('not-the-password');
      const failure = rows(wb, 'DAGs').filter({ hasText: /refused/ }).first();
      await expect(failure, 'a row with the cause instead of a spinner').toBeVisible({ timeout: 60_000 });
      await expect(row(wb, 'DAGs', HELLO_DAG)).toHaveCount(0);
    });

    await test.step('the notification re-enters the password and the DAGs come back', async () => {
      const toast = await wb.waitForNotification(/refused/);
      await toast.locator('.monaco-button', { hasText: 'Re-enter Password' }).click();
      await expect(wb.quickInput.locator('.quick-input-title')).toHaveText('Password of admin on Airflow "Local stack"');
      await wb.answerInput('admin');
      await expect(row(wb, 'DAGs', HELLO_DAG)).toBeVisible({ timeout: 60_000 });
      await expect(rows(wb, 'DAGs').filter({ hasText: /refused/ })).toHaveCount(0);
    });
  });
});
