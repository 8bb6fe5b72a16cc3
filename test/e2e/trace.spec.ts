// Produce and Run, the Message History and Trace Message in a real VS Code (code-server)
// against the native stack, as a person uses them: run "Produce and Run" from the palette
// (data types order and user, 10 messages each, to a fresh topic), see the summary of the
// kafka_batch_consumer run, find one of the messages in the Message History view (topic →
// data type → day → row), open the row (its consumer run, dataset event and processing run),
// trace it from the row's context menu, and see every step of its journey reached: produced,
// consumed, history row, dataset event, downstream run succeeded; then open the row in the
// Message Inspector and see its Pipeline section (consumer run, dataset, processing run).
// Needs Kafka, Airflow 3 and PostgreSQL of the native stack (`bash stack/native/stack.sh up`);
// skipped (with the reason) when one of them does not answer, failed under CI.
import { expect, test, type Locator } from '@playwright/test';
import { removeTestTopics } from '../support/testTopics';
import { AIRFLOW3, BROKER, httpAnswers, portAnswers, POSTGRES, requireService, stackKafka } from './stackServices';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const HISTORY = 'Message History';
const DATA_TYPES = ['order', 'user'];
const PER_TYPE = 10;
const TOTAL = DATA_TYPES.length * PER_TYPE;
/** The consumer run, then the scheduler starting and running the downstream DAGs: minutes on 2 busy cores. */
const PIPELINE_TIMEOUT = 300_000;
const topic = `e2e-trace-${Date.now().toString(36)}`;

/** Collapses the other views and widens the side bar, so the history rows and the trace show whole. */
async function focusOnHistoryView(wb: Workbench): Promise<void> {
  await wb.collapseViews(['Kafka', 'DAGs', 'Datasets', 'Stack']);
  await wb.expandView('Message History');
  await wb.widenSideBar(460);
}

test.describe('Produce and Run, Message History and Trace Message', () => {
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    requireService(await portAnswers(BROKER.host, BROKER.port), `Kafka at ${BROKER.host}:${BROKER.port}`);
    requireService(await httpAnswers(`${AIRFLOW3}/api/v2/version`), `Airflow 3 at ${AIRFLOW3}`);
    requireService(await portAnswers(POSTGRES.host, POSTGRES.port), `PostgreSQL at ${POSTGRES.host}:${POSTGRES.port}`);
    // A fresh topic, as a person creates it from the Kafka view first: Produce and Run writes to an existing topic.
    const kafka = stackKafka();
    try {
      await kafka.createTopic({ name: topic, partitions: 3, replicationFactor: 1 });
    } finally {
      await kafka.dispose();
    }
  });

  test.afterAll(async () => {
    if (!(await portAnswers(BROKER.host, BROKER.port))) return;
    const kafka = stackKafka();
    try {
      await removeTestTopics(kafka, [topic], { historyRows: true });
    } finally {
      await kafka.dispose();
    }
  });

  test('Produce and Run from the palette, see the summary, open a history row, trace it and see every step reached', async ({ page }) => {
    test.setTimeout(720_000);
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);

    await test.step('connect to the local stack', async () => {
      await wb.connectLocalStack();
    });

    await test.step(`Produce and Run: ${DATA_TYPES.join(' and ')}, ${PER_TYPE} messages each, to ${topic}`, async () => {
      await wb.runCommandThatAsks('Kafka Airflow: Produce and Run', /^(Kafka connection|Produce and Run: data types)$/);
      if ((await wb.quickInputTitle.textContent())?.trim() === 'Kafka connection') await wb.pickQuickItem('Local stack');
      await expect(wb.quickInputTitle).toHaveText('Produce and Run: data types');
      await wb.pickQuickItems(DATA_TYPES);
      await expect(wb.quickInputTitle).toHaveText('Produce and Run: messages');
      await wb.answerInput(String(PER_TYPE));
      await expect(wb.quickInputTitle).toHaveText('Produce and Run: topic');
      await wb.answerInput(topic);
      await expect(wb.quickInput).toBeHidden();
    });

    let consumerRunId = '';
    await test.step('the summary: every message loaded, one dataset event per data type, the downstream runs', async () => {
      const summary = await wb.waitForNotification(/Batch consumer run \S+ (succeeded|failed)/, PIPELINE_TIMEOUT);
      const text = (await summary.locator('.notification-list-item-message').innerText()).trim();
      expect(text).toMatch(new RegExp(`^Batch consumer run \\S+ succeeded: ${TOTAL} message\\(s\\) loaded, ${DATA_TYPES.length} dataset event\\(s\\) emitted, \\d+ downstream run\\(s\\)`));
      consumerRunId = /^Batch consumer run (\S+) /.exec(text)?.[1] ?? '';
      await expect(summary.locator('.monaco-button', { hasText: 'Open Trace' })).toBeVisible();
      await expect(summary.locator('.monaco-button', { hasText: 'Show Run' })).toBeVisible();
    });

    await test.step('the batch trace opens by itself with the counts of the run', async () => {
      const batch = wb.activeWebview();
      await expect(batch.locator('h1')).toHaveText(`Batch trace of kafka_batch_consumer run ${consumerRunId}`, { timeout: 60_000 });
      const counts = batch.locator('dl.counts');
      await expect(counts.locator('dt', { hasText: 'Rows loaded into the history' }).locator('xpath=following-sibling::dd[1]')).toHaveText(String(TOTAL));
      await expect(counts.locator('dt', { hasText: 'Dataset events' }).locator('xpath=following-sibling::dd[1]')).toHaveText(String(DATA_TYPES.length));
      await expect(batch.locator('ol.timeline li')).toHaveCount(5);
      await wb.clearNotifications();
    });

    const messageRow = wb.treeRow(HISTORY, /^\s*\d+\/\d+ · order:\S+ · \d\d:\d\d:\d\d\.\d{3}\s*$/).first();
    let rowLabel = '';
    await test.step('the Message History view: topic → data type → day → a row of the batch', async () => {
      await focusOnHistoryView(wb);
      // The view shows what it loaded before the run: refresh it from its title bar.
      const header = wb.viewHeader('Message History');
      await header.hover();
      // Its label ends with the keybinding: "Refresh All Views (Ctrl+Alt+K R)".
      await header.locator('.actions .action-label[aria-label^="Refresh All Views"]').click();
      const topicRow = wb.treeRow(HISTORY, topic);
      await expect(topicRow).toBeVisible({ timeout: 60_000 });
      await expect(topicRow).toContainText(String(TOTAL));
      await wb.expandRow(topicRow);
      const typeRow = wb.treeRow(HISTORY, 'order');
      await expect(typeRow).toContainText(String(PER_TYPE));
      await expect(wb.treeRow(HISTORY, 'user')).toContainText(String(PER_TYPE));
      await wb.expandRow(typeRow);
      const dayRow = wb.treeRow(HISTORY, /^\s*\d{4}-\d\d-\d\d · today\s*$/);
      await expect(dayRow).toContainText(String(PER_TYPE));
      await wb.expandRow(dayRow);
      await expect(wb.treeRow(HISTORY, /^\s*\d+\/\d+ · order:/)).toHaveCount(PER_TYPE);
      await expect(messageRow).toBeVisible();
      rowLabel = (await messageRow.locator('.label-name').innerText()).trim();
    });

    await test.step('open the row: the message with its consumer run, dataset event and processing run', async () => {
      await messageRow.click();
      const [partition, offset] = (rowLabel.split(' · ')[0] ?? '').split('/');
      const tab = wb.editorPart.locator('.tab', { hasText: `${topic}-${partition ?? ''}@${offset ?? ''}.json` });
      await expect(tab).toBeVisible({ timeout: 30_000 });
      const editor = wb.editorPart.locator('.editor-instance .view-lines').first();
      await expect(editor).toContainText(`"topic": "${topic}"`, { timeout: 30_000 });
      await expect(editor).toContainText(`"dataType": "order"`);
      // The journey follows the message's value at the end of the document: go there.
      await editor.click();
      await wb.page.keyboard.press('Control+End');
      await expect(editor).toContainText(`"historyRowId": "`);
      await expect(editor).toContainText(`"processing": {`);
      await expect(editor).toContainText(`"dagId": "kafka_batch_consumer"`);
      await expect(editor).toContainText(`"runId": "${consumerRunId}"`);
      await expect(editor).toContainText(`"uri": "workbench://message-history/order"`);
    });

    const trace = wb.activeWebview();
    await test.step('Trace Message from the row\'s context menu: every step reached, the downstream run succeeded', async () => {
      await wb.runContextMenu(messageRow, 'Trace Message');
      const [partition, offset] = (rowLabel.split(' · ')[0] ?? '').split('/');
      await expect(trace.locator('h1')).toHaveText(`Trace of ${topic} [${partition ?? ''}] @ ${offset ?? ''}`, { timeout: 60_000 });
      const step = (kind: string): Locator => trace.locator(`ol.timeline li[data-kind="${kind}"]`);
      await expect(step('produced')).toHaveClass(/status-done/);
      await expect(step('consumed')).toHaveClass(/status-done/);
      await expect(step('consumed')).toContainText(`by kafka_batch_consumer run ${consumerRunId}`);
      await expect(step('loaded')).toHaveClass(/status-done/);
      await expect(step('loaded')).toContainText('data type order, dataset workbench://message-history/order');
      await expect(step('event')).toHaveClass(/status-done/, { timeout: PIPELINE_TIMEOUT });
      // The panel polls while the downstream run is active; it ends in success.
      await expect(step('downstream')).toHaveCount(1, { timeout: PIPELINE_TIMEOUT });
      await expect(step('downstream')).toHaveClass(/status-done/, { timeout: PIPELINE_TIMEOUT });
      await expect(step('downstream')).toContainText(/Downstream run of process_order_messages/);
      await expect(step('downstream')).toContainText(/: success, waited .* after the event, ran /);
      await expect(trace.locator('ol.timeline li')).toHaveCount(5);
      await expect(trace.locator('ol.timeline li:not(.status-done)')).toHaveCount(0);
      await expect(trace.locator('.bar')).toContainText(/Updated /, { timeout: 30_000 });
      await wb.saveReadmeScreenshot('trace');
    });

    await test.step('a step opens its view: the history row from the trace', async () => {
      await trace.locator('ol.timeline li[data-kind="loaded"] vscode-button[title^="Open history row "]').click();
      const [partition, offset] = (rowLabel.split(' · ')[0] ?? '').split('/');
      await expect(wb.editorPart.locator('.tab.active', { hasText: `${topic}-${partition ?? ''}@${offset ?? ''}.json` })).toBeVisible({ timeout: 30_000 });
    });

    await test.step('Open in Message Inspector from the row\'s context menu: the detail pane\'s Pipeline section names the consumer run and the dataset', async () => {
      await wb.runContextMenu(messageRow, 'Open in Message Inspector');
      const inspector = wb.activeWebview();
      const [partition] = (rowLabel.split(' · ')[0] ?? '').split('/');
      await expect(inspector.locator('#status-text')).toContainText(/Read all \d+ messages?/, { timeout: 60_000 });
      // Opened from the row, the table starts at that row.
      await inspector.locator('.vt-row:not([hidden])').first().click();
      await expect(inspector.locator('#detail-title')).toContainText(`${topic} · partition ${partition ?? ''}`);
      const pipeline = inspector.locator('#detail-pipeline');
      await expect(pipeline).toBeVisible();
      await expect(pipeline.locator('[data-line="consumed"]')).toContainText(`by kafka_batch_consumer / ${consumerRunId} at `);
      await expect(pipeline.locator('[data-line="dataset"]')).toContainText('workbench://message-history/order');
      await expect(pipeline.locator('[data-line="processed"]')).toBeVisible();
      await expect(pipeline.locator('[data-line="consumed"] vscode-button[aria-label="Trace Message"]')).toBeVisible();
      await expect(pipeline.locator('[data-line="processed"]')).toContainText(/by process_order_messages \/ \S+ at |not processed yet/);
      await wb.saveReadmeScreenshot('history-inspector-pipeline');
    });

    await test.step('Open Run on the Consumed line shows the consumer run, selected, in the DAGs view', async () => {
      await wb.activeWebview().locator('#detail-pipeline [data-line="consumed"] vscode-button[aria-label="Open Run"]').click();
      const revealed = wb.treeRow('DAGs', consumerRunId).and(wb.page.locator('.monaco-list-row.selected'));
      await expect(revealed, 'the consumer run, revealed and selected in the DAGs view').toBeVisible({ timeout: 30_000 });
    });
  });
});
