// Schemas in the editor, as a person uses them in a real VS Code (code-server) against the
// native stack's schema registry (127.0.0.1:8085) and broker: connect to the local stack (its
// Kafka connection comes with the registry), open an .avsc file and register it from the
// Schemas row under a new subject, see the subject with its type, version and level, register a
// compatible second version from its own row, see an incompatible third one refused with the
// registry's reasons (nothing registered), find the subject under its topic, open a version
// read-only and compare the two versions in the diff editor.
// Then the whole way of an Avro message: register a schema from its file, produce generated
// Avro messages from the subject with the producer form, read them decoded in the Message
// Inspector (fields, and the Schema column with subject, version and id), open a row's wire
// bytes, run the batch consumer on the topic and find the decoded row, with its schema id, in
// the Message History view.
// Needs `bash stack/native/stack.sh up` (Kafka, the schema registry, PostgreSQL, Airflow 3);
// skipped (with the reason) when they do not answer, failed under CI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { SchemaRegistryClient } from '../../src/schemas/registryClient';
import { SchemaRegistryError } from '../../src/schemas/registryErrors';
import { localStack } from '../../src/stack/localStack';
import { removeTestTopics } from '../support/testTopics';
import { workspaceDir } from './server';
import { AIRFLOW3, BROKER, httpAnswers, portAnswers, POSTGRES, requireService, stackKafka } from './stackServices';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const REGISTRY = localStack.kafka.schemaRegistry.url;
const stamp = Date.now().toString(36);
const topic = `e2e-payments-${stamp}`;
const subject = `${topic}-value`;
const files = {
  v1: `e2e-payment-${stamp}.avsc`,
  v2: `e2e-payment-${stamp}-v2.avsc`,
  bad: `e2e-payment-${stamp}-bad.avsc`,
  reading: `e2e-reading-${stamp}.avsc`,
};
/** The topic and subject of the Avro way from file to history. */
const avroTopic = `e2e-avro-${stamp}`;
const avroSubject = `${avroTopic}-value`;
const AVRO_COUNT = 20;
const HISTORY = 'Message History';
/** The consumer run and the wait for downstream runs: minutes on 2 busy cores. */
const PIPELINE_TIMEOUT = 300_000;

/** A meter reading: enum, decimal, timestamp, union and nested record, the data type in its own enum. */
const READING_SCHEMA = `${JSON.stringify({
  type: 'record',
  name: 'MeterReading',
  namespace: 'com.example.e2e',
  fields: [
    { name: 'data_type', type: { type: 'enum', name: 'ReadingType', symbols: ['reading'] } },
    { name: 'meter_id', type: 'string' },
    { name: 'kwh', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 } },
    { name: 'read_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'quality', type: { type: 'enum', name: 'Quality', symbols: ['GOOD', 'ESTIMATED', 'MISSING'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'site', type: { type: 'record', name: 'Site', fields: [{ name: 'city', type: 'string' }, { name: 'floor', type: 'int' }] } },
  ],
}, null, 2)}\n`;

function payment(extra: object[]): string {
  return `${JSON.stringify({
    type: 'record',
    name: 'Payment',
    namespace: 'com.example.e2e',
    fields: [{ name: 'id', type: 'string' }, { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } }, ...extra],
  }, null, 2)}\n`;
}

/** Opens a workspace file by name through Quick Open. */
async function openFile(wb: Workbench, name: string): Promise<void> {
  const input = await wb.openCommandPalette();
  await input.fill(name);
  await wb.pickQuickItem(name);
  await expect(wb.editorPart.locator('.tab.active')).toContainText(name, { timeout: 30_000 });
}

/** Registers the active file from a row's inline action; a new subject is named in the input box. */
async function registerFrom(wb: Workbench, row: ReturnType<Workbench['treeRow']>, newSubject?: string): Promise<void> {
  await wb.clickInlineAction(row, 'Register Schema from Active File…');
  if (newSubject !== undefined) {
    await wb.pickQuickItem('New subject…');
    await expect(wb.quickInputTitle).toHaveText('New subject');
    await wb.answerInput(newSubject);
  }
}

test.describe('Schemas in the editor', () => {
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    requireService(await portAnswers(BROKER.host, BROKER.port), `Kafka at ${BROKER.host}:${BROKER.port}`, 'kafka');
    requireService(await httpAnswers(`${REGISTRY}/schemas/types`), `The schema registry at ${REGISTRY}`, 'schema-registry');
    fs.writeFileSync(path.join(workspaceDir, files.v1), payment([]));
    fs.writeFileSync(path.join(workspaceDir, files.v2), payment([{ name: 'currency', type: 'string', default: 'EUR' }]));
    fs.writeFileSync(path.join(workspaceDir, files.bad), payment([{ name: 'merchant', type: 'string' }]));
    fs.writeFileSync(path.join(workspaceDir, files.reading), READING_SCHEMA);
    const kafka = stackKafka();
    try {
      await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
      await kafka.createTopic({ name: avroTopic, partitions: 2, replicationFactor: 1 });
    } finally {
      await kafka.dispose();
    }
  });

  test.afterAll(async () => {
    for (const name of Object.values(files)) fs.rmSync(path.join(workspaceDir, name), { force: true });
    const registry = new SchemaRegistryClient({ baseUrl: REGISTRY });
    for (const name of [subject, avroSubject]) {
      for (const permanent of [false, true]) {
        try {
          await registry.deleteSubject(name, { permanent });
        } catch (error) {
          if (!(error instanceof SchemaRegistryError && (error.errorCode === 40401 || error.errorCode === 40404))) throw error;
        }
      }
    }
    if (!(await portAnswers(BROKER.host, BROKER.port))) return;
    const kafka = stackKafka();
    try {
      await removeTestTopics(kafka, [topic]);
      // The Avro topic's rows in the message history go with it.
      await removeTestTopics(kafka, [avroTopic], { historyRows: true });
    } finally {
      await kafka.dispose();
    }
  });

  test('register an .avsc from the Schemas row, see subject and versions, refuse an incompatible one, compare two versions', async ({ page }) => {
    test.setTimeout(480_000);
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);
    await wb.connectLocalStack();
    await wb.expandView('Kafka');
    await wb.collapseViews(['DAGs', 'Datasets', 'Message History', 'Stack']);
    await wb.widenSideBar(560);
    await wb.expandRow(wb.treeRow('Kafka', 'Local stack'));
    // The stack may hold many topics: fold them (once listed, so the tree has settled) so the Schemas row is in sight.
    await expect(wb.treeRow('Kafka', 'Topics')).toContainText(/\d+ topics?/, { timeout: 60_000 });
    await wb.collapseRow(wb.treeRow('Kafka', 'Topics'));
    const schemas = wb.treeRow('Kafka', 'Schemas');

    await test.step('the stack\'s Kafka connection has the stack\'s registry: its Schemas row names it', async () => {
      await expect(schemas).toContainText(REGISTRY, { timeout: 60_000 });
    });

    await test.step('register the open .avsc under a new subject', async () => {
      await openFile(wb, files.v1);
      await registerFrom(wb, schemas, subject);
      await wb.waitForNotification(new RegExp(`Registered ${files.v1.replace(/\./g, '\\.')} as ${subject} version 1 \\(schema id \\d+\\)`));
      await wb.clearNotifications();
    });

    const subjectRow = wb.treeRow('Kafka', subject);
    await test.step('the subject shows its type, latest version and compatibility level', async () => {
      await wb.expandRow(schemas);
      await expect(subjectRow).toBeVisible({ timeout: 60_000 });
      await expect(subjectRow).toContainText(/Avro · v1 · \w+/, { timeout: 60_000 });
    });

    await test.step('a compatible second version, registered from the subject\'s own row', async () => {
      await openFile(wb, files.v2);
      await registerFrom(wb, subjectRow);
      await wb.waitForNotification(new RegExp(`as ${subject} version 2 \\(schema id \\d+\\)`));
      await wb.clearNotifications();
      await expect(subjectRow).toContainText(/Avro · v2 ·/, { timeout: 60_000 });
    });

    await test.step('an incompatible version is refused with the registry\'s reasons, and nothing is registered', async () => {
      await openFile(wb, files.bad);
      await registerFrom(wb, subjectRow);
      const toast = await wb.waitForNotification(`The schema is not compatible with subject "${subject}"`);
      await expect(toast).toContainText('Nothing was registered');
      await expect(toast).toContainText('merchant');
      await wb.clearNotifications();
      const versions = await new SchemaRegistryClient({ baseUrl: REGISTRY }).listVersions(subject);
      expect(versions).toEqual([1, 2]);
    });

    await test.step('the topic lists its subject (TopicNameStrategy)', async () => {
      const topicRow = wb.treeRow('Kafka', topic);
      await wb.collapseRow(schemas);
      await wb.runCommandThatAsks('Kafka Airflow: Filter Topics and Groups…', 'Filter Topics and Consumer Groups');
      await wb.answerInput(topic);
      await wb.expandRow(wb.treeRow('Kafka', 'Topics'));
      await wb.expandRow(topicRow);
      const below = await wb.rowBelow('Kafka', topicRow);
      await expect(below).toContainText(subject, { timeout: 60_000 });
      await expect(below).toContainText('value · TopicNameStrategy');
      // One row per subject again: the topic's copy of the subject row goes with the topic list.
      await wb.collapseRow(wb.treeRow('Kafka', 'Topics'));
      await wb.runCommand('Kafka Airflow: Clear Kafka Filter');
      await wb.expandRow(schemas);
    });

    await test.step('a version opens read-only as JSON; two selected versions open in the diff editor', async () => {
      await wb.expandRow(subjectRow);
      const v1 = wb.treeRow('Kafka', 'v1');
      const v2 = wb.treeRow('Kafka', 'v2');
      await v1.click();
      const opened = wb.editorPart.locator('.tab.active');
      await expect(opened).toContainText(`${subject} v1.avsc`, { timeout: 30_000 });
      await expect(wb.statusBar).toContainText('JSON');
      await expect(wb.editorPart.locator('.view-lines').first()).toContainText('"name": "Payment"');
      await v2.click({ modifiers: ['Control'] });
      await wb.runContextMenu(v2, 'Compare Schema Versions…');
      await expect(wb.editorPart.locator('.tab.active')).toContainText(`${subject}: v1 ↔ v2`, { timeout: 30_000 });
      const diff = wb.editorPart.locator('.monaco-diff-editor');
      await expect(diff).toBeVisible();
      await expect(diff.locator('.modified .view-lines')).toContainText('currency');
      await expect(diff.locator('.original .view-lines')).not.toContainText('currency');
      await wb.saveReadmeScreenshot('schemas-diff');
    });
  });

  test('register an .avsc, produce generated Avro messages from its subject, read them decoded with their wire bytes, find the decoded row in the history', async ({ page }) => {
    test.setTimeout(720_000);
    requireService(await httpAnswers(`${AIRFLOW3}/api/v2/version`), `Airflow 3 at ${AIRFLOW3}`);
    requireService(await portAnswers(POSTGRES.host, POSTGRES.port), `PostgreSQL at ${POSTGRES.host}:${POSTGRES.port}`);
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);
    await wb.connectLocalStack();
    await wb.runCommand('View: Close All Editors');

    let schemaId = '';
    await test.step('register the open .avsc under the topic\'s subject (Command Palette)', async () => {
      await openFile(wb, files.reading);
      await wb.runCommandThatAsks('Kafka Airflow: Register Schema from Active File…', /.*/);
      await wb.pickQuickItem('New subject…');
      await expect(wb.quickInputTitle).toHaveText('New subject');
      await wb.answerInput(avroSubject);
      const toast = await wb.waitForNotification(new RegExp(`Registered ${files.reading.replace(/\./g, '\\.')} as ${avroSubject} version 1 \\(schema id \\d+\\)`));
      schemaId = /\(schema id (\d+)\)/.exec(await toast.innerText())?.[1] ?? '';
      expect(schemaId).toMatch(/^\d+$/);
      await wb.clearNotifications();
      await wb.runCommand('View: Close All Editors');
    });

    const form = wb.activeWebview();
    await test.step(`the producer form generates ${AVRO_COUNT} Avro messages from the subject and writes them in the wire format`, async () => {
      await wb.runCommand('Kafka Airflow: Produce Test Messages');
      await expect(form.locator('h1')).toHaveText('Produce Test Messages', { timeout: 60_000 });
      await form.locator('#topic input').fill(avroTopic);
      await expect(form.locator('#topic-hint')).toHaveText('2 partitions', { timeout: 30_000 });
      await form.locator('#key input').fill('meter-{{seq}}');
      await form.locator('#subject input').fill(avroSubject);
      await form.locator('#mode-subject').click();
      await form.locator('#count input').fill(String(AVRO_COUNT));
      // The preview is the first generated value, decoded back from its wire-format bytes.
      await expect(form.locator('#schema-hint')).toContainText(`AVRO ${avroSubject} v1 (schema id ${schemaId})`, { timeout: 30_000 });
      await expect(form.locator('#preview')).toContainText('"data_type": "reading"');
      await expect(form.locator('#preview')).toContainText('"site"');
      await expect(form.locator('#subject-problem')).toHaveText('');
      await expect(form.locator('#send')).toHaveText(`Send ${AVRO_COUNT} messages`);
      await form.locator('#send').click();
      await expect(form.locator('#result-summary')).toContainText(`${AVRO_COUNT} messages written to ${avroTopic}`, { timeout: 60_000 });
      await expect(form.locator('#stat-failed')).toContainText('0 failed');
    });

    const inspector = wb.activeWebview();
    await test.step('the inspector decodes every message: fields in the Value column, subject, version and id in the Schema column', async () => {
      await form.locator('#open-inspector').click();
      await expect(inspector.locator('#title')).toHaveText(avroTopic, { timeout: 60_000 });
      await expect(inspector.locator('#status-text')).toContainText(`Read all ${AVRO_COUNT} messages`, { timeout: 60_000 });
      const grid = inspector.getByRole('grid', { name: 'Messages' });
      await expect(grid.getByRole('columnheader')).toHaveText(['Partition', 'Offset', 'Timestamp', 'Key', 'Value', 'Schema', 'Headers', 'Size']);
      const rows = inspector.locator('.vt-row:not([hidden])');
      const first = rows.first();
      await expect(first.locator('[aria-colindex="5"]')).toContainText(/"data_type":\s?"reading"/);
      await expect(first.locator('[aria-colindex="5"]')).toContainText('"meter_id":');
      await expect(first.locator('[aria-colindex="6"]')).toHaveText(`${avroSubject} v1 · id ${schemaId}`);
      // Every row read is decoded: none says "not decoded".
      await expect(inspector.locator('.vt-cell.schema-failed')).toHaveCount(0);
      // The search finds decoded field values.
      await inspector.locator('#search input').fill('"quality"');
      await expect(inspector.locator('#status-text')).toContainText(`${AVRO_COUNT} of ${AVRO_COUNT} match the filter`);
      await inspector.locator('#search input').fill('');
      // The cleared search is applied (the rows are drawn again) before a row is clicked.
      await expect(inspector.locator('#status-text')).not.toContainText('match the filter');
    });

    await test.step('a row\'s detail shows the decoded value, and Wire bytes marks magic byte, schema id and payload', async () => {
      // A click that landed while the grid was redrawn selects nothing: click again, as a person would.
      await expect(async () => {
        await inspector.locator('.vt-row:not([hidden])').first().click();
        await expect(inspector.locator('#detail-content')).toContainText('"site": {', { timeout: 5_000 });
      }).toPass({ timeout: 30_000 });
      await expect(inspector.locator('#detail-content')).toContainText('"kwh":');
      const note = inspector.locator('#detail-wire-note');
      await expect(note).toContainText(`Avro value of ${avroSubject} v1, schema id ${schemaId}`, { ignoreCase: true });
      await expect(note).toContainText('Decoded');
      await inspector.locator('#view-bytes').click();
      const wire = inspector.locator('#detail-wire');
      await expect(wire).toBeVisible();
      await expect(wire.locator('[data-part="magic"]')).toContainText('00');
      await expect(wire.locator('[data-part="schemaId"]')).toContainText(`schema id ${schemaId}`);
      await expect(wire.locator('[data-part="payload"]')).toBeVisible();
      await expect(inspector.locator('#view-bytes')).toHaveAttribute('aria-pressed', 'true');
      // Decoded rows above, the open row's wire bytes below (the byte view's heading names subject, version and id).
      await wb.saveReadmeScreenshot('schemas-inspector');
    });

    let consumerRunId = '';
    await test.step('Start Batch Consumer on the topic: every message loaded into the history', async () => {
      await wb.runCommand('View: Close All Editors');
      await wb.runCommandThatAsks('Kafka Airflow: Start Batch Consumer', /^(Kafka connection|Start Batch Consumer: topics to read)$/);
      if ((await wb.quickInputTitle.textContent())?.trim() === 'Kafka connection') await wb.pickQuickItem('Local stack');
      await expect(wb.quickInputTitle).toHaveText('Start Batch Consumer: topics to read');
      await wb.quickInput.locator('input.input').fill(avroTopic);
      await wb.pickQuickItems([avroTopic]);
      await wb.answerStep('Start Batch Consumer: batch size', '1000');
      await wb.answerStep('Start Batch Consumer: max messages', '10000');
      const summary = await wb.waitForNotification(/Batch consumer run \S+ (succeeded|failed)/, PIPELINE_TIMEOUT);
      const text = (await summary.locator('.notification-list-item-message').innerText()).trim();
      expect(text).toMatch(new RegExp(`^Batch consumer run \\S+ succeeded: ${AVRO_COUNT} message\\(s\\) loaded`));
      consumerRunId = /^Batch consumer run (\S+) /.exec(text)?.[1] ?? '';
      await wb.clearNotifications();
    });

    await test.step('the Message History view: topic → data type → day → a decoded row with its schema id', async () => {
      await wb.collapseViews(['Kafka', 'DAGs', 'Datasets', 'Stack']);
      await wb.expandView(HISTORY);
      await wb.widenSideBar(560);
      const header = wb.viewHeader(HISTORY);
      await header.hover();
      await header.locator('.actions .action-label[aria-label^="Refresh All Views"]').click();
      const topicRow = wb.treeRow(HISTORY, avroTopic);
      await expect(topicRow).toBeVisible({ timeout: 60_000 });
      await expect(topicRow).toContainText(String(AVRO_COUNT));
      await wb.expandRow(topicRow);
      const typeRow = wb.treeRow(HISTORY, 'reading');
      await expect(typeRow).toContainText(String(AVRO_COUNT));
      await wb.expandRow(typeRow);
      const dayRow = wb.treeRow(HISTORY, /^\s*\d{4}-\d\d-\d\d · today\s*$/);
      await wb.expandRow(dayRow);
      const rows = wb.treeRow(HISTORY, /^\s*\d+\/\d+ · meter-\d+ · \d\d:\d\d:\d\d\.\d{3}\s*$/);
      await expect(rows).toHaveCount(AVRO_COUNT, { timeout: 60_000 });
      const row = rows.first();
      await expect(row.locator('.label-description')).toHaveText(`value schema id ${schemaId}`);
      await row.click();
      const editor = wb.editorPart.locator('.editor-instance .view-lines').first();
      await expect(editor).toContainText(`"topic": "${avroTopic}"`, { timeout: 30_000 });
      await expect(editor).toContainText('"valueKind": "json"');
      await expect(editor).toContainText('"data_type": "reading"');
      await expect(editor).toContainText('"meter_id": "');
      // The schema ids and the run that read the row are near the end of the document.
      await editor.click();
      await wb.page.keyboard.press('Control+End');
      await expect(editor).toContainText(`"valueSchemaId": ${schemaId}`);
      await expect(editor).toContainText(`"runId": "${consumerRunId}"`);
      await wb.runCommand('View: Close All Editors');
    });
  });
});
