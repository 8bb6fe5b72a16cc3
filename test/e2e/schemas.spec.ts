// Schemas in the editor, as a person uses them in a real VS Code (code-server) against the
// native stack's schema registry (127.0.0.1:8085) and broker: connect to the local stack (its
// Kafka connection comes with the registry), open an .avsc file and register it from the
// Schemas row under a new subject, see the subject with its type, version and level, register a
// compatible second version from its own row, see an incompatible third one refused with the
// registry's reasons (nothing registered), find the subject under its topic, open a version
// read-only and compare the two versions in the diff editor.
// Needs `bash stack/native/stack.sh up kafka schema-registry`; skipped (with the reason) when
// they do not answer, failed under CI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { SchemaRegistryClient } from '../../src/schemas/registryClient';
import { SchemaRegistryError } from '../../src/schemas/registryErrors';
import { localStack } from '../../src/stack/localStack';
import { removeTestTopics } from '../support/testTopics';
import { workspaceDir } from './server';
import { BROKER, httpAnswers, portAnswers, requireService, stackKafka } from './stackServices';
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
};

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
    const kafka = stackKafka();
    try {
      await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    } finally {
      await kafka.dispose();
    }
  });

  test.afterAll(async () => {
    for (const name of Object.values(files)) fs.rmSync(path.join(workspaceDir, name), { force: true });
    const registry = new SchemaRegistryClient({ baseUrl: REGISTRY });
    for (const permanent of [false, true]) {
      try {
        await registry.deleteSubject(subject, { permanent });
      } catch (error) {
        if (!(error instanceof SchemaRegistryError && (error.errorCode === 40401 || error.errorCode === 40404))) throw error;
      }
    }
    if (!(await portAnswers(BROKER.host, BROKER.port))) return;
    const kafka = stackKafka();
    try {
      await removeTestTopics(kafka, [topic]);
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
});
