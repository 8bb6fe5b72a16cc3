// Airflow in the editor, as a person uses it in a real VS Code (code-server) against the
// native stack's Airflow 3 (http://127.0.0.1:8080): connect, filter the DAGs, trigger a
// DAG from its row with a conf, watch its run turn green, open the task log and find the
// task's own line, then fire a dataset event from the form and see the run it started.
// Also: a run whose task fails is cleared from the tree and turns green; a DAG file that does
// not parse shows as an import-error row (with its stack trace one click away) and goes when
// the file is gone; a refused password offers to re-enter it.
// Then the same for Airflow 2 (http://127.0.0.1:8081, REST API v1 with basic auth): add the
// connection as a user does (the password goes to secret storage), list its DAGs, trigger
// one, watch it turn green, read its task log, and remove the connection again.
// Needs `bash stack/native/stack.sh up airflow3` (and `up airflow2`); each part is skipped,
// with the reason, when its Airflow does not answer (failed under CI).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test, type Locator } from '@playwright/test';
import { repoRoot } from './server';
import { AIRFLOW2, AIRFLOW3 as AIRFLOW, httpAnswers, requireService } from './stackServices';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
/** The name the Airflow 2 test gives its connection (removed again at its end). */
const AIRFLOW2_CONNECTION = 'Airflow 2';
const HELLO_DAG = 'workbench_test_hello';
const CONSUMER_DAG = 'workbench_test_dataset_consumer';
const HELLO_TASK = 'say_hello';
/**
 * The DAG folder the running Airflow 3 reads (`stack.sh env` asks its dag-processor: a stack
 * started from another checkout reads that checkout's folder). The dag-processor lists it
 * every 10 s and parses new files first.
 */
const DAGS_FOLDER = airflow3DagsFolder();

function airflow3DagsFolder(): string {
  const env = execFileSync('bash', [path.join(repoRoot, 'stack', 'native', 'stack.sh'), 'env'], { encoding: 'utf8' });
  const folder = /^export KAW_AIRFLOW3_DAGS_FOLDER=(.+)$/m.exec(env)?.[1];
  return folder ?? path.join(repoRoot, 'stack', 'dags');
}
const DATASET_URI = 'workbench://test/dataset';
/** A run of the one-task test DAG takes seconds; the scheduler may need a while to pick it up. */
const RUN_TIMEOUT = 150_000;

/** Collapses the views that are not about Airflow and widens the side bar, so the README's screenshots show the rows whole. */
async function focusOnAirflowViews(wb: Workbench): Promise<void> {
  await wb.collapseViews(['Kafka', 'Message History', 'Stack']);
  await wb.widenSideBar(560);
  await wb.growView('DAGs', 420);
}

/** Connects to the local stack and shows its DAGs, filtered to `filter` (the connection row expanded). */
async function showLocalStackDags(wb: Workbench, filter: string): Promise<void> {
  await wb.openContainer(CONTAINER);
  await wb.connectLocalStack();
  await wb.expandView('DAGs');
  await focusOnAirflowViews(wb);
  const connection = wb.treeRow('DAGs', 'Local stack');
  await expect(connection).toContainText(/Airflow 3\.\d+\.\d+ · healthy/, { timeout: 60_000 });
  await wb.expandRow(connection);
  await wb.runCommandThatAsks('Kafka Airflow: Filter DAGs…', 'Filter DAGs');
  await wb.answerInput(filter);
}

/**
 * Triggers `dagId` from the inline action of its row with `conf`, and returns the id of the
 * run it started: the run row the command reveals and selects (other runs of the same DAG,
 * started by other tests at the same time, do not get in the way).
 */
async function triggerFromRow(wb: Workbench, connection: string, dagId: string, conf: Record<string, unknown>, notBefore: number): Promise<string> {
  await wb.clickInlineAction(wb.treeRow('DAGs', dagId), 'Trigger DAG');
  const title = wb.quickInput.locator('.quick-input-title');
  await expect(title).toHaveText(new RegExp(`^(Trigger ${dagId}|Trigger DAG: which (Airflow connection|DAG)\\?)$`));
  // A click that lands while the view reloads reaches the command without its row: it asks for
  // the connection (when there are several) and the DAG, as it would ask a user.
  if ((await title.textContent()) === 'Trigger DAG: which Airflow connection?') {
    await wb.pickQuickItem(connection);
    await expect(title).toHaveText(new RegExp(`^Trigger DAG: which DAG\\?$`));
  }
  if ((await title.textContent()) !== `Trigger ${dagId}`) await wb.pickQuickItem(dagId);
  await expect(title).toHaveText(`Trigger ${dagId}`);
  await wb.answerInput(JSON.stringify(conf));
  const revealed = wb.treeRows('DAGs')
    .filter({ has: wb.page.locator('.label-name', { hasText: /^\s*manual__/ }) })
    .and(wb.page.locator('.monaco-list-row.selected'));
  await expect(revealed, 'the new run, revealed and selected in the tree').toBeVisible({ timeout: 30_000 });
  const runId = await wb.rowLabel(revealed);
  // manual__<ISO time of the trigger>: a run from before this test is not ours.
  expect(Date.parse(runId.replace(/^manual__/, '')), `run ${runId} started by this test`).toBeGreaterThanOrEqual(notBefore - 5_000);
  return runId;
}

/**
 * Waits until the row right below the run row is its task `taskId` and reads `text` (a run of
 * the one-task test DAG); returns it. When the run shows as expanded but without its task (the
 * view reloaded it while it was being expanded), it is closed and opened again, as a user would.
 * (Before task rows lost their ids, VS Code then failed with "Element with id … is already
 * registered" and the run never showed its task again: see src/views/airflow/dagsTree.ts.)
 */
async function taskOfRun(wb: Workbench, runId: string, taskId: string, text: string | RegExp, timeout = 30_000): Promise<Locator> {
  let found: Locator | undefined;
  await expect(async () => {
    const run = wb.treeRow('DAGs', runId);
    let below = await wb.rowBelow('DAGs', run);
    if ((await below.count()) === 0 || (await wb.rowLabel(below)) !== taskId) {
      await wb.collapseRow(run);
      await wb.expandRow(run);
      below = await wb.rowBelow('DAGs', run);
    }
    await expect(below.locator('.label-name')).toHaveText(taskId, { timeout: 5_000 });
    await expect(below).toContainText(text, { timeout: 2_000 });
    found = below;
  }, `task ${taskId} of run ${runId} reads ${String(text)}`).toPass({ timeout });
  if (!found) throw new Error(`task ${taskId} of run ${runId} not found`);
  return found;
}

/**
 * Clicks a task row of a run until its log tab opens. A click that lands while the DAGs view
 * redraws the run's rows (its refresh after the run turned final) reaches no row; a person
 * clicks again, and so does this.
 */
async function openTaskLog(wb: Workbench, runId: string, taskId: string, state: string, tryNumber: number): Promise<void> {
  const tab = wb.editorPart.locator('.tab', { hasText: `${taskId} · try ${tryNumber}.log` });
  await expect(async () => {
    const task = await taskOfRun(wb, runId, taskId, `${state} · try ${tryNumber}`);
    await task.click();
    await expect(tab).toBeVisible({ timeout: 10_000 });
  }, `the log of ${taskId} try ${tryNumber} opens`).toPass({ timeout: 60_000 });
}

test.describe('Airflow in the editor', () => {
  // Typing into the palette and clicking rows is slow when the 2 cores also run the stack.
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    requireService(await httpAnswers(`${AIRFLOW}/api/v2/version`), `Airflow 3 at ${AIRFLOW}`, 'airflow3');
  });

  test('trigger a DAG from the tree, watch it turn green, read its log, fire a dataset event', async ({ page }) => {
    test.setTimeout(480_000);
    const marker = `e2e-${Date.now().toString(36)}`;
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);

    await test.step('connect to the local stack', async () => {
      await wb.connectLocalStack();
    });

    await test.step('the DAGs view lists the server with its version and health', async () => {
      await wb.expandView('DAGs');
      await focusOnAirflowViews(wb);
      const connection = wb.treeRow('DAGs', 'Local stack');
      await expect(connection).toBeVisible();
      await expect(connection).toContainText(/Airflow 3\.\d+\.\d+ · healthy/, { timeout: 60_000 });
      await expect(wb.statusBar.getByText(/Airflow 3\.\d+\.\d+ ✓/)).toBeVisible({ timeout: 60_000 });
    });

    await test.step('filter the DAGs down to the test DAG', async () => {
      await wb.runCommandThatAsks('Kafka Airflow: Filter DAGs…', 'Filter DAGs');
      await wb.answerInput(HELLO_DAG);
      await expect(wb.treeRow('DAGs', HELLO_DAG)).toBeVisible();
      await expect(wb.treeRow('DAGs', 'workbench_smoke')).toHaveCount(0);
    });

    await test.step('trigger it from its row with a conf', async () => {
      await wb.clickInlineAction(wb.treeRow('DAGs', HELLO_DAG), 'Trigger DAG');
      const title = wb.quickInput.locator('.quick-input-title');
      await expect(title).toHaveText(new RegExp(`^(Trigger ${HELLO_DAG}|Trigger DAG: which DAG\\?)$`));
      // A click that lands while the view reloads reaches the command without its row: it asks for the DAG.
      if ((await title.textContent()) !== `Trigger ${HELLO_DAG}`) await wb.pickQuickItem(HELLO_DAG);
      await expect(title).toHaveText(`Trigger ${HELLO_DAG}`);
      await wb.answerInput(JSON.stringify({ marker }));
    });

    const runRow = wb.treeRows('DAGs').filter({ has: wb.page.locator('.label-name', { hasText: /^\s*manual__/ }) }).first();
    await test.step('its new run appears and turns green', async () => {
      await expect(runRow).toBeVisible({ timeout: 30_000 });
      await expect(runRow.locator('.codicon-pass-filled'), 'the run succeeds (the view refreshes on its own)').toBeVisible({ timeout: RUN_TIMEOUT });
      await expect(runRow).toContainText('success');
      await expect(wb.treeRow('DAGs', HELLO_DAG).locator('.codicon-pass-filled')).toBeVisible({ timeout: 30_000 });
    });

    await test.step('its task shows success and opens its log with the task\'s own line', async () => {
      if ((await runRow.getAttribute('aria-expanded')) !== 'true') await runRow.click();
      const taskRow = wb.treeRow('DAGs', 'say_hello');
      await expect(taskRow).toBeVisible({ timeout: 30_000 });
      await expect(taskRow).toContainText('success · try 1');
      await wb.saveReadmeScreenshot('dags-tree');
      await taskRow.click();
      const tab = wb.editorPart.locator('.tab', { hasText: 'say_hello · try 1.log' });
      await expect(tab).toBeVisible({ timeout: 30_000 });
      const editorText = wb.editorPart.locator('.view-lines');
      // "time LEVEL text": the task's own line with its UTC time and level.
      await expect(editorText).toContainText(`INFO hello from workbench marker=${marker}`, { timeout: 30_000 });
      const lines = (await editorText.innerText()).replace(/[\s\u00a0]+/g, ' ');
      expect(lines).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO hello from workbench marker=${marker}`));
      await wb.saveReadmeScreenshot('task-log');
    });

    await test.step('fire a dataset event from the form and see the run it started', async () => {
      await wb.runCommand('Kafka Airflow: Fire Dataset Event');
      const form = wb.activeWebview();
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
      await wb.saveReadmeScreenshot('dataset-event');

      // The run is one click away in the DAGs view.
      await started.locator('a.link').click();
      await expect(wb.treeRows('DAGs').filter({ hasText: CONSUMER_DAG }).first()).toBeVisible({ timeout: 30_000 });
    });

    await test.step('the Datasets view shows the event under the dataset, with the run it created', async () => {
      // The DAGs view has shown the run: its room goes to the Datasets view, whose list (one row
      // per dataset the stack's DAGs declare) otherwise leaves the event's runs below its edge.
      await wb.collapseViews(['DAGs']);
      const dataset = wb.treeRow('Datasets', DATASET_URI);
      await expect(dataset).toBeVisible({ timeout: 30_000 });
      if ((await dataset.getAttribute('aria-expanded')) !== 'true') await dataset.click();
      const events = wb.treeRow('Datasets', 'Recent events');
      await expect(events).toBeVisible();
      await events.click();
      const event = wb.treeRows('Datasets').filter({ hasText: `marker=${marker}` }).first();
      await expect(event, 'the event with our extra').toBeVisible({ timeout: 30_000 });
      await expect(event).toContainText('fired through the API');
      if ((await event.getAttribute('aria-expanded')) !== 'true') await event.click();
      // The run is the row right under the event; scrolled into sight when the event is the last row drawn.
      await expect(async () => {
        const created = await wb.rowBelow('Datasets', event);
        await expect(created, 'the run it created').toContainText(CONSUMER_DAG, { timeout: 3000 });
        await expect(created.locator('.codicon-pass-filled'), 'the run it created, green').toBeVisible({ timeout: 3000 });
      }).toPass({ timeout: 30_000 });
    });
  });

  test('a refused password shows the cause in the tree and offers to re-enter it', async ({ page }) => {
    test.setTimeout(300_000);
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);
    await wb.connectLocalStack();
    await wb.expandView('DAGs');
    await wb.runCommandThatAsks('Kafka Airflow: Filter DAGs…', 'Filter DAGs');
    await wb.answerInput(HELLO_DAG);
    await expect(wb.treeRow('DAGs', HELLO_DAG)).toBeVisible({ timeout: 60_000 });

    await test.step('a wrong password: the DAGs view says the credentials were refused', async () => {
      await wb.runCommandThatAsks('Kafka Airflow: Re-enter Airflow Password', 'Password of admin on Airflow "Local stack"');
      await wb.answerInput('not-the-password');
      const failure = wb.treeRows('DAGs').filter({ hasText: /refused/ }).first();
      await expect(failure, 'a row with the cause instead of a spinner').toBeVisible({ timeout: 60_000 });
      await expect(wb.treeRow('DAGs', HELLO_DAG)).toHaveCount(0);
    });

    await test.step('the notification re-enters the password and the DAGs come back', async () => {
      const toast = await wb.waitForNotification(/refused/);
      await toast.locator('.monaco-button', { hasText: 'Re-enter Password' }).click();
      await expect(wb.quickInput.locator('.quick-input-title')).toHaveText('Password of admin on Airflow "Local stack"');
      await wb.answerInput('admin');
      await expect(wb.treeRow('DAGs', HELLO_DAG)).toBeVisible({ timeout: 60_000 });
      await expect(wb.treeRows('DAGs').filter({ hasText: /refused/ })).toHaveCount(0);
    });
  });

  test('a task that failed is cleared from its row, runs again and its run turns green', async ({ page }) => {
    test.setTimeout(480_000);
    const marker = `e2e-clear-${Date.now().toString(36)}`;
    const started = Date.now();
    const wb = await openWorkbench(page);
    await showLocalStackDags(wb, HELLO_DAG);
    await expect(wb.treeRow('DAGs', HELLO_DAG)).toBeVisible({ timeout: 60_000 });

    // The test DAG fails try 1 on purpose when the conf says fail_first_try, and succeeds on try 2.
    const runId = await test.step('trigger the test DAG with a conf that makes its first try fail', () =>
      triggerFromRow(wb, 'Local stack', HELLO_DAG, { marker, fail_first_try: true }, started));
    const run = wb.treeRow('DAGs', runId);

    await test.step('the run turns red, its task shows failed on try 1', async () => {
      await expect(run.locator('.codicon-error'), 'the run fails (the view refreshes on its own)').toBeVisible({ timeout: RUN_TIMEOUT });
      await expect(run).toContainText('failed');
      await wb.expandRow(run);
      await taskOfRun(wb, runId, HELLO_TASK, 'failed · try 1');
    });

    await test.step('"Clear Task (Run Again)" on the failed task, confirmed in the dialog', async () => {
      const task = await taskOfRun(wb, runId, HELLO_TASK, 'failed · try 1');
      await wb.clickInlineAction(task, 'Clear Task (Run Again)');
      await wb.answerDialog(`Clear task ${HELLO_TASK} of run ${runId}?`, 'Clear');
    });

    await test.step('the task runs again: the run turns green, the task shows success on try 2', async () => {
      await expect(run.locator('.codicon-pass-filled'), 'the cleared run succeeds').toBeVisible({ timeout: RUN_TIMEOUT });
      await expect(run).toContainText('success');
      await expect(wb.treeRow('DAGs', HELLO_DAG).locator('.codicon-pass-filled')).toBeVisible({ timeout: 30_000 });
      await taskOfRun(wb, runId, HELLO_TASK, 'success · try 2', 60_000);
      await openTaskLog(wb, runId, HELLO_TASK, 'success', 2);
      await expect(wb.editorPart.locator('.view-lines')).toContainText(`INFO hello from workbench marker=${marker}`, { timeout: 30_000 });
    });
  });

  test('a DAG file that does not parse is an import-error row until the file is gone', async ({ page }) => {
    test.setTimeout(360_000);
    // A unique new file in the shared DAG folder (new files are parsed within ~10-20 s), removed
    // in `finally`. Its name matches no DAG id and nothing counts import errors, so the other tests
    // and the pytest suite do not notice it while it exists.
    const fileName = `workbench_test_e2e_broken_${Date.now().toString(36)}.py`;
    const file = path.join(DAGS_FOLDER, fileName);
    const wb = await openWorkbench(page);
    await showLocalStackDags(wb, HELLO_DAG);
    const errorRow = wb.treeRow('DAGs', fileName);

    try {
      await test.step('a broken DAG file appears; after a refresh the DAGs view lists it as an import error', async () => {
        fs.writeFileSync(file, [
          '"""Broken on purpose by test/e2e/airflow.spec.ts, which deletes it: an airflow DAG file with a syntax error."""',
          'from airflow.sdk import dag',
          '',
          '',
          'def broken(:',
          '    pass',
          '',
        ].join('\n'));
        // The user refreshes until the DAG processor has parsed the new file.
        await expect(async () => {
          await wb.runCommand('Kafka Airflow: Refresh All Views');
          await expect(errorRow).toBeVisible({ timeout: 8_000 });
        }, 'the import-error row after a refresh').toPass({ timeout: 150_000, intervals: [5_000] });
        await expect(errorRow).toContainText('import error');
        await expect(errorRow.locator('.codicon-warning')).toBeVisible();
        // The filter hides DAGs, never import errors.
        await expect(wb.treeRow('DAGs', HELLO_DAG)).toBeVisible();
        await errorRow.hover();
        await expect(wb.page.locator('.monaco-hover').filter({ hasText: 'SyntaxError: invalid syntax' }), 'the tooltip ends with the error').toBeVisible({ timeout: 15_000 });
        await wb.saveReadmeScreenshot('dags-import-error');
      });

      await test.step('clicking the row opens its stack trace, with the line that does not parse', async () => {
        await errorRow.click();
        await expect(wb.editorPart.locator('.tab', { hasText: `${fileName}.log` })).toBeVisible({ timeout: 30_000 });
        const text = wb.editorPart.locator('.view-lines');
        await expect(text).toContainText(`# Import error in ${fileName}`, { timeout: 30_000 });
        await expect(text).toContainText('def broken(:');
        await expect(text).toContainText('SyntaxError: invalid syntax');
      });
    } finally {
      fs.rmSync(file, { force: true });
    }

    await test.step('once the file is deleted, a refresh removes the row', async () => {
      await expect(async () => {
        await wb.runCommand('Kafka Airflow: Refresh All Views');
        await expect(errorRow).toHaveCount(0, { timeout: 8_000 });
      }, 'no import-error row after a refresh').toPass({ timeout: 150_000, intervals: [5_000] });
      await expect(wb.treeRow('DAGs', HELLO_DAG)).toBeVisible();
    });
  });
});

test.describe('Airflow 2 in the editor', () => {
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    requireService(await httpAnswers(`${AIRFLOW2}/api/v1/health`), `Airflow 2 at ${AIRFLOW2}`, 'airflow2');
  });

  test('add an Airflow 2 connection, list its DAGs, trigger one, watch it turn green, read its log', async ({ page }) => {
    test.setTimeout(480_000);
    const marker = `e2e-af2-${Date.now().toString(36)}`;
    const started = Date.now();
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);
    // Airflow 3 and Airflow 2 side by side, as teams run them during an upgrade. (Each test has a
    // fresh browser context, and code-server keeps secrets in the browser: connect again.)
    await wb.connectLocalStack();
    await wb.expandView('DAGs');
    await focusOnAirflowViews(wb);
    // Only Airflow 2's rows below, and its connection row in sight: the local stack's Airflow 3
    // has DAGs of the same ids, and its list would push the new row out of the view.
    const localStack = wb.treeRow('DAGs', 'Local stack');
    await expect(localStack).toContainText(/Airflow 3\.\d+\.\d+ · healthy/, { timeout: 60_000 });
    await wb.collapseRow(localStack);
    const connection = wb.treeRow('DAGs', AIRFLOW2_CONNECTION);

    await test.step('add the connection as a user does: name, URL, user, password (kept in secret storage)', async () => {
      await wb.runCommandThatAsks('Kafka Airflow: Add Airflow Connection', 'Add Airflow Connection (1/3)');
      await wb.answerInput(AIRFLOW2_CONNECTION);
      await wb.answerStep('Add Airflow Connection (2/3)', AIRFLOW2);
      // This step is a quick pick whose question is its placeholder.
      await expect(wb.quickInput.locator('input.input')).toHaveAttribute('placeholder', 'Add Airflow Connection (3/3): how to sign in');
      await wb.pickQuickItem('User name and password');
      await wb.answerStep(`Airflow user for ${AIRFLOW2_CONNECTION}`, 'admin');
      await wb.answerStep(`Password for ${AIRFLOW2_CONNECTION}`, 'admin');
      await expect(wb.quickInput).toBeHidden();
    });

    try {
      await test.step('the DAGs view shows the server as Airflow 2, healthy, and lists its DAGs', async () => {
        await expect(connection).toContainText(/Airflow 2\.\d+\.\d+ · healthy/, { timeout: 60_000 });
        await expect(localStack).toContainText(/Airflow 3\.\d+\.\d+ · healthy/);
        await wb.collapseRow(localStack);
        await wb.expandRow(connection);
        await wb.runCommandThatAsks('Kafka Airflow: Filter DAGs…', 'Filter DAGs');
        await wb.answerInput('workbench');
        for (const dagId of ['workbench_smoke_v2', HELLO_DAG, 'workbench_test_dataset_producer', CONSUMER_DAG]) {
          await expect(wb.treeRow('DAGs', dagId), `DAG ${dagId} of Airflow 2`).toBeVisible({ timeout: 60_000 });
        }
        await expect(wb.treeRow('DAGs', 'workbench_smoke'), 'an Airflow 3 DAG').toHaveCount(0);
      });

      const runId = await test.step('trigger the test DAG from its row with a conf', () => triggerFromRow(wb, AIRFLOW2_CONNECTION, HELLO_DAG, { marker }, started));
      const run = wb.treeRow('DAGs', runId);

      await test.step('its run turns green, and so does the DAG', async () => {
        await expect(run.locator('.codicon-pass-filled'), 'the run succeeds (the view refreshes on its own)').toBeVisible({ timeout: RUN_TIMEOUT });
        await expect(run).toContainText('success');
        await expect(wb.treeRow('DAGs', HELLO_DAG).locator('.codicon-pass-filled')).toBeVisible({ timeout: 30_000 });
        await wb.saveReadmeScreenshot('dags-airflow2');
      });

      await test.step('its task opens its log, with the task\'s own line in time-level-text form', async () => {
        await wb.expandRow(run);
        await openTaskLog(wb, runId, HELLO_TASK, 'success', 1);
        const editorText = wb.editorPart.locator('.view-lines');
        await expect(editorText).toContainText(`marker=${marker}`, { timeout: 30_000 });
        const lines = (await editorText.innerText()).replace(/[\s\u00a0]+/g, ' ');
        // Airflow 2 masks its metadata-database password in logs; the native stack gives it its own
        // password so that the word "workbench" stays readable (stack/native/lib/common.sh).
        expect(lines).toMatch(new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO hello from workbench marker=${marker}`));
      });
    } finally {
      await test.step('remove the connection again (its context menu, confirmed)', async () => {
        await page.keyboard.press('Escape');
        if ((await connection.count()) === 0) return;
        await wb.runContextMenu(connection, 'Remove Connection');
        await wb.answerDialog(`Remove the airflow connection "${AIRFLOW2_CONNECTION}"?`, 'Remove');
        await expect(connection).toHaveCount(0);
      });
    }
  });
});
