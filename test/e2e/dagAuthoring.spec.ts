// Writing a DAG in the editor, as a person does it in a real VS Code (code-server) against the
// native stack's Airflow 3: a new DAG file in the workspace's dags/ folder (which the extension
// links to the stack: kafkaAirflow.stack.dagFolders defaults to it), a typo saved, the Problem at
// its line within seconds (the local check on save); fixed, the Problem goes and the DAG appears
// in the DAGs view; triggered from its CodeLens, its run turns green and the lens says so; Test
// from its CodeLens runs `airflow dags test` and ends in a notification with the result.
// Needs `bash stack/native/stack.sh up airflow3`, started by this version of stack.sh (its
// Airflow 3 reads the workspace DAG slots); skipped with the reason otherwise (failed under CI).
// For a stack on other ports (KAW_STATE, KAW_AIRFLOW3_PORT… in the environment), the test adds a
// connection to it and makes it the active one, and removes it at the end.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { localStack } from '../../src/stack/localStack';
import { repoRoot } from './server';
import { httpAnswers, requireService } from './stackServices';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const DAGS_DIR = path.join(repoRoot, 'test', 'e2e', 'workspace', 'dags');
const stackEnv = new Map(
  execFileSync('bash', [path.join(repoRoot, 'stack', 'native', 'stack.sh'), 'env'], { encoding: 'utf8' })
    .split('\n').flatMap((line) => {
      const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
      return match ? [[match[1] ?? '', match[2] ?? ''] as const] : [];
    }),
);
const AIRFLOW_URL = stackEnv.get('KAW_AIRFLOW3_URL') ?? localStack.airflow.url;
/** A stack on the default ports is "Local stack"; another one gets its own connection. */
const CONNECTION = AIRFLOW_URL === localStack.airflow.url ? 'Local stack' : 'Dev Airflow 3';
const RUN_TIMEOUT = 180_000;

const dagId = `kaw_e2e_authoring_${Date.now().toString(36)}`;
const fileName = `${dagId}.py`;
const file = path.join(DAGS_DIR, fileName);
/** The line that loses its closing parenthesis (1-based), and the column of the "(" Python says was never closed. */
const BROKEN_LINE = 17;
const BROKEN_COLUMN = 9;
const source = [
  '"""A DAG written by test/e2e/dagAuthoring.spec.ts, which deletes it again."""',
  'from datetime import datetime',
  '',
  'from airflow.sdk import dag, task',
  '',
  '',
  '@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["workbench-e2e"])',
  `def ${dagId}():`,
  '    @task',
  '    def extract():',
  '        return {"rows": 3}',
  '',
  '    @task',
  '    def load(data):',
  '        print(f"loaded {data[\'rows\']} rows")',
  '',
  '    load(extract())',
  '',
  '',
  `${dagId}()`,
  '',
].join('\n');

/** Connects to the stack's Airflow 3 and makes that connection the one the editor follows. */
async function connect(wb: Workbench): Promise<void> {
  await wb.connectLocalStack();
  if (CONNECTION === 'Local stack') return;
  await wb.runCommandThatAsks('Kafka Airflow: Add Airflow Connection', 'Add Airflow Connection (1/3)');
  await wb.answerInput(CONNECTION);
  await wb.answerStep('Add Airflow Connection (2/3)', AIRFLOW_URL);
  await expect(wb.quickInput.locator('input.input')).toHaveAttribute('placeholder', 'Add Airflow Connection (3/3): how to sign in');
  await wb.pickQuickItem('User name and password');
  await wb.answerStep(`Airflow user for ${CONNECTION}`, 'admin');
  await wb.answerStep(`Password for ${CONNECTION}`, 'admin');
  await expect(wb.quickInput).toBeHidden();
  await wb.runCommandThatAsks('Kafka Airflow: Airflow Server Status', /Airflow Servers/);
  const item = wb.quickInput.locator('.monaco-list-row', { hasText: CONNECTION }).first();
  await expect(item).toBeVisible();
  await item.click();
}

/** Goes to a line of the active editor (Quick Open's ":" prefix). */
async function goToLine(wb: Workbench, line: number): Promise<void> {
  const input = await wb.openCommandPalette();
  await input.fill(`:${line}`);
  await input.press('Enter');
  await expect(wb.quickInput).toBeHidden();
}

function lens(wb: Workbench, text: RegExp) {
  return wb.editorPart.locator('.codelens-decoration a', { hasText: text });
}

test.describe('Writing a DAG in the editor', () => {
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    requireService(await httpAnswers(`${AIRFLOW_URL}/api/v2/version`), `Airflow 3 at ${AIRFLOW_URL}`, 'airflow3');
    requireService(stackEnv.get('KAW_AIRFLOW3_READS_WORKSPACE_DAGS') === '1',
      'An Airflow 3 that reads the workspace DAG slots (the running one was started by an older stack.sh; "bash stack/native/stack.sh down airflow3" first)', 'airflow3');
  });

  test('a typo is a Problem at its line; fixed, the DAG runs from its CodeLens and passes Test', async ({ page }) => {
    test.setTimeout(720_000);
    const createdDir = !fs.existsSync(DAGS_DIR);
    fs.mkdirSync(DAGS_DIR, { recursive: true });
    fs.writeFileSync(file, source);
    const wb = await openWorkbench(page);
    const problems = wb.panel.locator('.markers-panel .monaco-list-row');
    // The entry itself (its related places, the traceback's frames, are rows below it).
    const problem = problems.filter({ hasText: "'(' was never closed" }).filter({ hasText: 'Airflow' }).first();
    try {
      await wb.openContainer(CONTAINER);
      await connect(wb);
      await wb.expandView('DAGs');
      await wb.collapseViews(['Kafka', 'Datasets', 'Message History', 'Stack']);
      if (CONNECTION !== 'Local stack') await wb.collapseRow(wb.treeRow('DAGs', 'Local stack'));

      await test.step('open the new DAG file: its CodeLens shows Trigger, Test and DAGs View', async () => {
        const input = await wb.openCommandPalette();
        await input.fill(fileName);
        await wb.pickQuickItem(fileName);
        await expect(lens(wb, /^\s*Trigger\s*$/)).toBeVisible({ timeout: 60_000 });
        await expect(lens(wb, /^\s*Test\s*$/)).toBeVisible();
        await expect(lens(wb, /^\s*DAGs View\s*$/)).toBeVisible();
      });

      await test.step('a missing parenthesis, saved: the Problems view shows the SyntaxError at its line', async () => {
        await goToLine(wb, BROKEN_LINE);
        await page.keyboard.press('End');
        await page.keyboard.press('Backspace');
        await wb.runCommand('File: Save');
        await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
        await expect(problem).toBeVisible({ timeout: 90_000 });
        await expect(problem).toContainText(`[Ln ${BROKEN_LINE}, Col ${BROKEN_COLUMN}]`);
        await expect(problem).toContainText(/Airflow/);
        // The squiggle sits on that line in the editor too.
        await expect(wb.editorPart.locator('.squiggly-error').first()).toBeVisible();
        await wb.saveReadmeScreenshot('dag-problems');
      });

      await test.step('fixed and saved: the Problem goes away and the DAG appears in the DAGs view', async () => {
        await goToLine(wb, BROKEN_LINE);
        await page.keyboard.press('End');
        await page.keyboard.type(')');
        await expect(wb.editorPart.locator('.view-lines')).toContainText('load(extract())');
        await wb.runCommand('File: Save');
        await expect(problem).toHaveCount(0, { timeout: 90_000 });
        const connectionRow = wb.treeRow('DAGs', CONNECTION);
        await expect(connectionRow).toContainText(/Airflow 3\.\d+\.\d+ · healthy/, { timeout: 60_000 });
        await wb.expandRow(connectionRow);
        await wb.runCommandThatAsks('Kafka Airflow: Filter DAGs…', 'Filter DAGs');
        await wb.answerInput(dagId);
        await expect(async () => {
          await wb.runCommand('Kafka Airflow: Refresh All Views');
          await expect(wb.treeRow('DAGs', dagId)).toBeVisible({ timeout: 8_000 });
        }, 'the DAG in the DAGs view after a refresh').toPass({ timeout: 120_000, intervals: [3_000] });
      });

      await test.step('Open Source on the DAG\'s row goes to its definition in the workspace file', async () => {
        await goToLine(wb, BROKEN_LINE);
        await wb.runContextMenu(wb.treeRow('DAGs', dagId), 'Open Source');
        await expect(wb.editorPart.locator('.tab.active')).toContainText(fileName);
        await expect(wb.statusBar).toContainText('Ln 7, Col 1');
      });

      await test.step('Trigger from the CodeLens: the run turns green in the tree and in the lens', async () => {
        await lens(wb, /^\s*Trigger\s*$/).click();
        await expect(wb.quickInputTitle).toHaveText(`Trigger ${dagId}`);
        await wb.answerInput('{"rows": 3}');
        const run = wb.treeRows('DAGs').filter({ has: page.locator('.label-name', { hasText: /^\s*manual__/ }) }).first();
        await expect(run, 'the run is revealed in the DAGs view').toBeVisible({ timeout: 60_000 });
        await expect(lens(wb, /success/).first(), 'the lens above the DAG shows the run succeeded').toBeVisible({ timeout: RUN_TIMEOUT });
        await expect(lens(wb, /^\s*Logs\s*$/).first(), 'each task shows its state and Logs').toBeVisible({ timeout: 60_000 });
        // The tree follows on its own; a run row revealed while its DAG reloads can stay stale in VS Code
        // ("Element with id … is already registered"), and a refresh redraws it, as a user would do.
        await expect(async () => {
          if ((await run.locator('.codicon-pass-filled').count()) === 0) await wb.runCommand('Kafka Airflow: Refresh All Views');
          await expect(run.locator('.codicon-pass-filled')).toBeVisible({ timeout: 10_000 });
        }, 'the run row turns green').toPass({ timeout: 120_000, intervals: [2_000] });
        await goToLine(wb, 1);
        await wb.saveReadmeScreenshot('dag-codelens');
      });

      await test.step('Test from the CodeLens: airflow dags test runs it and a notification says it succeeded', async () => {
        await wb.clearNotifications();
        await lens(wb, /^\s*Test\s*$/).click();
        await wb.waitForNotification(new RegExp(`Test of ${dagId} succeeded in .*: 2 tasks succeeded`), 300_000);
        expect(await wb.outputChannel()).toBe('Airflow DAG Test');
        await expect(wb.panel.locator('.view-lines')).toContainText(`== ${dagId}: success`);
        // The DAG ran from the CodeLens before, so it is unpaused: paused for the test (the scheduler would run the test's tasks too), then unpaused.
        await expect(wb.panel.locator('.view-lines')).toContainText(`Unpaused ${dagId} again.`);
      });
    } finally {
      fs.rmSync(file, { force: true });
      if (createdDir) fs.rmSync(DAGS_DIR, { recursive: true, force: true });
      if (CONNECTION !== 'Local stack') {
        await page.keyboard.press('Escape');
        const row = wb.treeRow('DAGs', CONNECTION);
        if ((await row.count()) > 0) {
          await wb.collapseRow(row);
          await wb.runContextMenu(row, 'Remove Connection');
          await wb.answerDialog(`Remove the airflow connection "${CONNECTION}"?`, 'Remove');
        }
        await wb.runCommand('Kafka Airflow: Clear DAG Filter').catch(() => undefined);
      }
    }
  });
});
