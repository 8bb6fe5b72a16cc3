// The DAG graph and grid in a real VS Code (code-server) against the native stack's Airflow 3,
// as a person uses them: open the graph of workbench_test_graph from its row in the DAGs view
// (six tasks in three task groups, drawn open), trigger it from the panel with a conf, watch
// every task turn green in the graph and the run's column turn green in the grid, close and
// open a group, move between tasks with the arrow keys, then click a cell (the README's
// screenshot of the graph is taken with it selected) and open its log (the task's own line is
// there) and its XComs (a JSON document), and Clear the last task (asked first) and see it run
// again.
// Needs `bash stack/native/stack.sh up airflow3`; skipped (with the reason) when it does not
// answer, failed under CI.
import { expect, test, type FrameLocator, type Locator } from '@playwright/test';
import { AIRFLOW3, httpAnswers, requireService } from './stackServices';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const GRAPH_DAG = 'workbench_test_graph';
const TASKS = ['start', 'extract.orders', 'extract.payments', 'transform.clean', 'transform.enrich.join', 'load'];
/** Six tasks one after the other on 2 busy cores, after the scheduler picks the run up. */
const RUN_TIMEOUT = 240_000;

/** The graph's panel: its tab, and the page inside it (a webview reloads when shown again). */
function graphTab(wb: Workbench): Locator {
  return wb.editorPart.locator('.tab', { hasText: `Graph ${GRAPH_DAG}` });
}

/** The node of a task in the graph, by its task id. */
function node(graph: FrameLocator, taskId: string): Locator {
  return graph.locator(`svg .node[data-id="${taskId}"]`);
}

test.describe('DAG graph and grid', () => {
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    requireService(await httpAnswers(`${AIRFLOW3}/api/v2/version`), `Airflow 3 at ${AIRFLOW3}`, 'airflow3');
  });

  test('open the graph from the DAG row, trigger it, see the tasks turn green, open a task\'s log and XComs, clear it', async ({ page }) => {
    test.setTimeout(600_000);
    const marker = `e2e-graph-${Date.now().toString(36)}`;
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);

    await test.step('connect to the local stack and find the DAG', async () => {
      await wb.connectLocalStack();
      await wb.expandView('DAGs');
      await wb.collapseViews(['Kafka', 'Message History', 'Stack', 'Datasets']);
      const connection = wb.treeRow('DAGs', 'Local stack');
      await expect(connection).toContainText(/Airflow 3\.\d+\.\d+ · healthy/, { timeout: 60_000 });
      await wb.expandRow(connection);
      await wb.runCommandThatAsks('Kafka Airflow: Filter DAGs…', 'Filter DAGs');
      await wb.answerInput(GRAPH_DAG);
      await expect(wb.treeRow('DAGs', GRAPH_DAG)).toBeVisible({ timeout: 60_000 });
    });

    const graph = wb.activeWebview();
    await test.step('Open DAG Graph from its row: six tasks, three groups drawn open, every task in the grid', async () => {
      await wb.clickInlineAction(wb.treeRow('DAGs', GRAPH_DAG), 'Open DAG Graph');
      // A click that lands while the view reloads reaches the command without its row: it asks for the DAG.
      const asked = wb.quickInput.locator('.quick-input-title', { hasText: 'Open DAG Graph: which DAG?' });
      if (await asked.isVisible({ timeout: 3_000 }).catch(() => false)) await wb.pickQuickItem(GRAPH_DAG);
      await expect(graphTab(wb)).toBeVisible({ timeout: 30_000 });
      await expect(graph.locator('h1')).toHaveText(GRAPH_DAG, { timeout: 60_000 });
      await expect(graph.locator('header .sub')).toContainText(/Local stack · Airflow 3\.\d+\.\d+ · 6 tasks in 3 groups/);
      await expect(graph.locator('svg .node.task')).toHaveCount(TASKS.length);
      await expect(graph.locator('svg .cluster')).toHaveCount(3);
      for (const taskId of TASKS) await expect(node(graph, taskId)).toBeVisible();
      // Nested rows are indented (set through the CSSOM: the panel's CSP refuses style attributes).
      await expect(graph.locator('table.grid th.name[data-id="transform.enrich.join"]')).toHaveCSS('padding-left', '32px');
      await expect(graph.locator('table.grid th.name')).toHaveText(['start', '▾extract', 'orders', 'payments', '▾transform', 'clean', '▾enrich', 'join', 'load'].map((t) => new RegExp(`^\\s*${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`)));
    });

    let runId = '';
    await test.step('trigger it from the panel with a conf; the new run shows in the grid', async () => {
      await graph.locator('button', { hasText: /^Trigger$/ }).click();
      await expect(wb.quickInput.locator('.quick-input-title')).toHaveText(`Trigger ${GRAPH_DAG}`, { timeout: 30_000 });
      await wb.answerInput(JSON.stringify({ marker }));
      // The run's header in the grid carries its tooltip, with the conf: ours has the marker.
      const header = graph.locator(`table.grid th.run-head[title*="${marker}"]`);
      await expect(header, 'the run this test started, in the grid').toHaveCount(1, { timeout: 60_000 });
      runId = (await header.getAttribute('data-run')) ?? '';
      expect(runId).toMatch(/^manual__/);
      // Show that run in the graph, whatever else runs meanwhile.
      await graph.locator('select#graph-run').selectOption(runId);
    });

    await test.step('every task turns green in the graph, and the run\'s column in the grid', async () => {
      for (const taskId of TASKS) {
        await expect(node(graph, taskId), `${taskId} succeeds (the panel polls while the run is active)`).toHaveAttribute('data-state', 'success', { timeout: RUN_TIMEOUT });
      }
      const column = graph.locator(`table.grid td.cell[data-run="${runId}"]`);
      await expect(column).toHaveCount(9);
      for (const cell of await column.all()) await expect(cell).toHaveAttribute('data-state', 'success');
      await expect(node(graph, 'load')).toHaveAttribute('aria-label', `Task load: success in run ${runId}`);
      await expect(graph.locator('.toolbar .status')).not.toHaveClass(/watching/, { timeout: 60_000 });
    });

    await test.step('a group closes into one node and opens again; the arrow keys move between tasks', async () => {
      await graph.locator('svg .cluster .title[data-id="extract"]').click();
      await expect(graph.locator('svg .node.group[data-id="extract"]')).toHaveAttribute('data-state', 'success');
      await expect(graph.locator('svg .node.task')).toHaveCount(TASKS.length - 2);
      await graph.locator('svg .node.group[data-id="extract"]').click();
      await expect(graph.locator('svg .node.task')).toHaveCount(TASKS.length);
      await node(graph, 'start').click();
      await expect(graph.locator('section.detail')).toContainText(`start in ${runId}`);
      await page.keyboard.press('ArrowRight');
      const focused = graph.locator('svg .node:focus');
      await expect(focused).toHaveAttribute('data-id', /^extract\.(orders|payments)$/);
      const next = (await focused.getAttribute('data-id')) ?? '';
      await page.keyboard.press('Enter');
      await expect(graph.locator('section.detail strong')).toHaveText(next);
    });

    await test.step('click a cell of the grid: Log opens the task\'s log with its own line', async () => {
      const row = graph.locator('table.grid tr').filter({ has: graph.locator('th.name[data-id="start"]') });
      await row.locator(`td.cell[data-run="${runId}"]`).click();
      const detail = graph.locator('section.detail');
      await expect(detail.locator('strong')).toHaveText('start');
      await expect(detail).toContainText('success · try 1');
      await expect(detail.locator('button', { hasText: 'XComs (4)' })).toBeVisible({ timeout: 30_000 });
      await wb.saveReadmeScreenshot('dag-graph');
      await detail.locator('button', { hasText: /^Log$/ }).click();
      const tab = wb.editorPart.locator('.tab', { hasText: 'start · try 1.log' });
      await expect(tab).toBeVisible({ timeout: 30_000 });
      await expect(wb.editorPart.locator('.view-lines')).toContainText(`graph step start marker=${marker}`, { timeout: 30_000 });
    });

    await test.step('back in the graph, XComs opens the task\'s XComs as JSON', async () => {
      await graphTab(wb).click();
      await expect(node(graph, 'start')).toHaveAttribute('data-state', 'success', { timeout: 60_000 });
      const row = graph.locator('table.grid tr').filter({ has: graph.locator('th.name[data-id="start"]') });
      await row.locator(`td.cell[data-run="${runId}"]`).click();
      await graph.locator('section.detail button', { hasText: 'XComs (4)' }).click();
      await expect(wb.editorPart.locator('.tab', { hasText: 'start · XComs.json' })).toBeVisible({ timeout: 30_000 });
      const text = wb.editorPart.locator('.view-lines');
      await expect(text).toContainText('"row_count": 3', { timeout: 30_000 });
      await expect(text).toContainText(`"marker": "${marker}"`);
    });

    await test.step('Clear on the last task asks first, then it runs again: try 2, green again', async () => {
      await graphTab(wb).click();
      await expect(node(graph, 'load')).toHaveAttribute('data-state', 'success', { timeout: 60_000 });
      const row = graph.locator('table.grid tr').filter({ has: graph.locator('th.name[data-id="load"]') });
      await row.locator(`td.cell[data-run="${runId}"]`).click();
      const detail = graph.locator('section.detail');
      await expect(detail).toContainText('success · try 1', { timeout: 30_000 });
      await detail.locator('button', { hasText: 'Clear…' }).click();
      await wb.answerDialog(`Clear task load of run ${runId}?`, 'Clear');
      await expect(detail, 'load ran again (the panel polls while the run is active)').toContainText('success · try 2', { timeout: RUN_TIMEOUT });
      await expect(node(graph, 'load')).toHaveAttribute('data-state', 'success');
    });
  });
});
