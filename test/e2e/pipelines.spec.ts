// The Pipelines view and the trace through Spark in a real VS Code (code-server), against the
// native stack's streaming pipeline (source API → product_recalls_ingest → Kafka topic
// product_recalls → product_recalls_spark → PostgreSQL table product_recalls), as a person uses
// them: open the Pipelines view and read the stage figures, start the streaming pipeline from its
// row (both DAGs run one after the other, followed in a progress notification), read the summary,
// see the figures move (the topic's end offsets grow by what was produced, the Spark stage's lag
// falls to 0 with a new last micro-batch), take the view's screenshot, then trace one message of
// product_recalls to its row and the Airflow run that submitted its Spark run, and trace a copy of
// an already loaded record (what a retried ingestion run produces) to "de-duplicated" with the
// row that won. Needs Kafka, Airflow 3, PostgreSQL and the source API of the native stack.
import { expect, test, type Locator } from '@playwright/test';
import pg from 'pg';
import { localStack } from '../../src/stack/localStack';
import { AIRFLOW3, BROKER, httpAnswers, portAnswers, POSTGRES, requireService, stackKafka } from './stackServices';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const VIEW = 'Pipelines';
const TOPIC = 'product_recalls';
const SOURCE_API = process.env['KAW_SOURCE_API_URL'] ?? 'http://127.0.0.1:8090';
/** Both DAG runs and the Spark start-up: minutes on 2 busy cores. */
const PIPELINE_TIMEOUT = 12 * 60_000;

interface Coordinates { partition: number; offset: string; key: string }

async function query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const pool = new pg.Pool({ ...localStack.history, password: localStack.historyPassword, max: 1 });
  try {
    return (await pool.query<R>(text, values)).rows;
  } finally {
    await pool.end();
  }
}

/**
 * A row of product_recalls that the pipeline loaded — one loaded by a run of the Spark DAG when
 * there is one (rows loaded by running the job by hand name no DAG run), the oldest first — or
 * undefined when the table is empty.
 */
async function loadedRow(): Promise<(Coordinates & { dagId: string | null }) | undefined> {
  const rows = await query<{ reference_fiche: string; kafka_partition: number; kafka_offset: string; airflow_dag_id: string | null }>(
    `SELECT reference_fiche, kafka_partition, kafka_offset::text, airflow_dag_id FROM product_recalls WHERE kafka_topic = $1
      ORDER BY (airflow_dag_id = 'product_recalls_spark') DESC NULLS LAST, loaded_at, kafka_offset LIMIT 1`, [TOPIC]);
  const row = rows[0];
  return row ? { partition: row.kafka_partition, offset: row.kafka_offset, key: row.reference_fiche, dagId: row.airflow_dag_id } : undefined;
}

/** Produces to product_recalls a copy of the message at `at`, as a retried ingestion run would; returns the copy's coordinates. */
async function produceCopy(at: Coordinates): Promise<Coordinates> {
  const kafka = stackKafka();
  try {
    let value = null as Buffer | null;
    await kafka.browse({
      topic: TOPIC, partitions: [at.partition], start: { kind: 'offset', offset: at.offset }, maxMessages: 1, follow: false, signal: new AbortController().signal,
      onRecords: (records) => { value = records[0]?.value ?? null; },
    });
    if (value === null) throw new Error(`${TOPIC} [${at.partition}] @ ${at.offset} could not be read`);
    const result = await kafka.produce([{ key: at.key, value, partition: at.partition }], { topic: TOPIC });
    const record = result.records[0];
    if (!record) throw new Error(`the copy of ${at.key} was not produced: ${result.errors[0]?.message ?? 'no reason given'}`);
    return { partition: at.partition, offset: record.offset, key: at.key };
  } finally {
    await kafka.dispose();
  }
}

function stageRow(wb: Workbench, label: string): Locator {
  return wb.treeRow(VIEW, new RegExp(`^\\s*${label}`));
}

async function description(row: Locator): Promise<string> {
  return (await row.locator('.label-description').innerText()).trim();
}

async function traceMessage(wb: Workbench, at: Coordinates): Promise<void> {
  await wb.runCommandThatAsks('Kafka Airflow: Trace a Message of the Pipeline', /^Trace Message \(1\/3\)$/);
  await wb.answerInput(TOPIC);
  await wb.answerInput(String(at.partition));
  await wb.answerInput(at.offset);
}

test.describe('Pipelines view and the trace through Spark', () => {
  test.use({ actionTimeout: 90_000 });
  let original: Coordinates | undefined;
  let copy: Coordinates | undefined;

  test.beforeAll(async () => {
    requireService(await portAnswers(BROKER.host, BROKER.port), `Kafka at ${BROKER.host}:${BROKER.port}`);
    requireService(await httpAnswers(`${AIRFLOW3}/api/v2/version`), `Airflow 3 at ${AIRFLOW3}`);
    requireService(await portAnswers(POSTGRES.host, POSTGRES.port), `PostgreSQL at ${POSTGRES.host}:${POSTGRES.port}`);
    requireService(await httpAnswers(`${SOURCE_API}/recalls/count`), `The source API at ${SOURCE_API}`, 'source-api');
    // A record already loaded gets a copy in the topic (a retried ingestion run does that): the
    // Spark stage then lags by at least one message until the pipeline runs, and the copy is
    // de-duplicated. On a stack whose pipeline never ran, the first run moves everything instead.
    original = await loadedRow();
    if (original) copy = await produceCopy(original);
  });

  test('start the streaming pipeline from the view, see its figures move, trace a message to its row and a copy to the row that won', async ({ page }) => {
    test.setTimeout(PIPELINE_TIMEOUT + 5 * 60_000);
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);
    await test.step('connect to the local stack', async () => {
      await wb.connectLocalStack();
    });

    const pipelineRow = wb.treeRow(VIEW, /^\s*Product recalls \(streaming\)/);
    const topicRow = stageRow(wb, 'Topic product_recalls');
    const sparkRow = stageRow(wb, 'Spark job product_recalls_to_postgres');
    let endBefore = 0n;
    let batchBefore = -1;
    await test.step('the Pipelines view: each stage of the streaming pipeline with its figures', async () => {
      await wb.collapseViews(['Kafka', 'DAGs', 'Datasets', 'Message History', 'Stack']);
      await wb.expandView(VIEW);
      await wb.widenSideBar(560);
      await expect(pipelineRow).toBeVisible({ timeout: 60_000 });
      await expect(stageRow(wb, 'Source API /recalls')).toBeVisible({ timeout: 60_000 });
      await expect(topicRow.locator('.label-description')).toHaveText(/^end offsets \d+ in \d+ partition\(s\)$/, { timeout: 60_000 });
      await expect(sparkRow.locator('.label-description')).toHaveText(/^lag \d+/);
      await expect(stageRow(wb, 'Table product_recalls').locator('.label-description')).toHaveText(/^\d+ row\(s\)$/);
      endBefore = BigInt(/^end offsets (\d+)/.exec(await description(topicRow))?.[1] ?? '0');
      batchBefore = Number(/last batch #(\d+)/.exec(await description(sparkRow))?.[1] ?? '-1');
      if (copy) await expect(sparkRow.locator('.label-description'), 'the copy waits for Spark').toHaveText(/^lag [1-9]\d*/);
    });

    let ingestRun = '';
    let sparkRun = '';
    await test.step('Start Pipeline on its row: both DAGs run, followed, then the summary', async () => {
      await wb.clickInlineAction(pipelineRow, 'Start Pipeline');
      const summary = await wb.waitForNotification(/^Pipeline Product recalls \(streaming\) (ran|stopped):/, PIPELINE_TIMEOUT);
      const text = (await summary.locator('.notification-list-item-message').innerText()).trim();
      expect(text).toMatch(/^Pipeline Product recalls \(streaming\) ran: product_recalls_ingest run \S+ succeeded, product_recalls_spark run \S+ succeeded; \d+ message\(s\) added to the topic/);
      expect(text).toMatch(/Spark lag 0\.$/);
      ingestRun = /product_recalls_ingest run (\S+) succeeded/.exec(text)?.[1] ?? '';
      sparkRun = /product_recalls_spark run (\S+) succeeded/.exec(text)?.[1] ?? '';
      expect(ingestRun).not.toBe('');
      await wb.clearNotifications();
    });

    await test.step('the figures moved: lag 0, a new last micro-batch of this Spark run, the end offsets grew', async () => {
      await expect(sparkRow.locator('.label-description')).toHaveText(/^lag 0 · last batch #\d+: \d+ in, \d+ written/, { timeout: 60_000 });
      const batchAfter = Number(/last batch #(\d+)/.exec(await description(sparkRow))?.[1] ?? '-1');
      expect(batchAfter).toBeGreaterThan(batchBefore);
      const endAfter = BigInt(/^end offsets (\d+)/.exec(await description(topicRow))?.[1] ?? '0');
      expect(endAfter >= endBefore).toBe(true);
      await expect(wb.treeRow(VIEW, /^\s*last micro-batch/).first()).toContainText(sparkRun);
      await expect(stageRow(wb, 'Source API /recalls').locator('.label-description')).toHaveText(/^[0-2] record\(s\) not ingested yet$/);
      await wb.saveReadmeScreenshot('pipelines-view');
    });

    const target = await loadedRow();
    expect(target, 'the pipeline loaded at least one row').toBeDefined();
    const trace = wb.activeWebview();
    const step = (kind: string): Locator => trace.locator(`ol.timeline li[data-kind="${kind}"]`);
    await test.step('trace a message of product_recalls: the Spark batch that read it, its row, the run that submitted it', async () => {
      if (!target) return;
      await traceMessage(wb, target);
      await expect(trace.locator('h1')).toHaveText(`Trace of ${TOPIC} [${target.partition}] @ ${target.offset}`, { timeout: 60_000 });
      await expect(step('produced')).toHaveClass(/status-done/);
      await expect(step('sparkBatch')).toHaveClass(/status-done/);
      await expect(step('sparkBatch')).toContainText(/read by product_recalls_to_postgres batch \d+: partition \d+ offsets \d+–\d+/);
      await expect(step('tableRow')).toHaveClass(/status-done/);
      await expect(step('tableRow')).toContainText(`Row in product_recalls`);
      await expect(step('tableRow')).toContainText(`row ${target.key} loaded by batch`);
      await expect(step('submittedBy')).toHaveClass(/status-done/);
      // The run the row records: a run of product_recalls_spark, unless the job was run by hand.
      await expect(step('submittedBy')).toContainText(`Submitted by ${target.dagId ?? ''}`);
      if (target.dagId === 'product_recalls_spark') await expect(step('submittedBy')).toContainText(/: success, task spark_submit \(success/);
      await wb.saveReadmeScreenshot('trace-spark');
    });

    await test.step('trace the copy: de-duplicated, naming the row that won and its partition and offset', async () => {
      if (!copy || !original) return;
      await traceMessage(wb, copy);
      await expect(trace.locator('h1')).toHaveText(`Trace of ${TOPIC} [${copy.partition}] @ ${copy.offset}`, { timeout: 60_000 });
      await expect(step('sparkBatch')).toHaveClass(/status-done/);
      await expect(step('sparkBatch')).toContainText(/checkpoint agrees/);
      await expect(step('tableRow')).toContainText(`De-duplicated: row ${copy.key} won`);
      await expect(step('tableRow')).toContainText(`loaded from ${TOPIC} [${original.partition}] @ ${original.offset}`);
      await expect(step('submittedBy')).toContainText(`run ${sparkRun}: success`);
    });

    await test.step('each stage opens its own view: the table\'s newest rows, the topic in the Message Inspector', async () => {
      await stageRow(wb, 'Table product_recalls').click();
      const editor = wb.editorPart.locator('.editor-instance .view-lines').first();
      await expect(editor).toContainText('"table": "product_recalls"', { timeout: 30_000 });
      await expect(editor).toContainText('"referenceFiche": "');
      await topicRow.click();
      const inspector = wb.activeWebview();
      await expect(inspector.locator('#status-text')).toContainText(/messages?/, { timeout: 60_000 });
    });
  });
});
