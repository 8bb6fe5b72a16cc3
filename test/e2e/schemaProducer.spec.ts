// Producing against a schema subject in a real VS Code (code-server), with the native stack's
// broker and schema registry: in the producer form, the registry's subjects and the subject's versions are offered (version 1 of 2 is picked), a value that does not fit the subject's
// Avro schema is reported as it is typed, naming the field (/address/zip: must be integer), and
// Send stays off with that message; the fixed value is sent in the wire format. A template file
// that names the subject shows the same problem in the Problems view at the field's line and
// column, and completion in its value offers the field names it lacks.
// Needs `bash stack/native/stack.sh up kafka schema-registry`; skipped (with the reason) when
// they do not answer, failed under CI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '@playwright/test';
import { SchemaRegistryClient } from '../../src/schemas/registryClient';
import { removeTestTopics } from '../support/testTopics';
import { workspaceDir } from './server';
import { BROKER, httpAnswers, portAnswers, requireService, stackKafka } from './stackServices';
import { openWorkbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const REGISTRY = 'http://127.0.0.1:8085';
const run = Date.now().toString(36);
const topic = `e2e-customers-${run}`;
const subject = `${topic}-value`;
const templateFile = path.join(workspaceDir, `${topic}.kafka.json`);
const SCHEMA = JSON.stringify({
  type: 'record', name: 'Customer', namespace: 'e2e.crm',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['GOLD', 'SILVER'] } },
    { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'street', type: 'string' }, { name: 'zip', type: 'int' }] } },
  ],
});
/** Version 2 adds an optional field: the form writes with version 1 when it is picked. */
const SCHEMA_V2 = JSON.stringify({ ...JSON.parse(SCHEMA) as object, fields: [...(JSON.parse(SCHEMA) as { fields: object[] }).fields, { name: 'note', type: ['null', 'string'], default: null }] });

test.describe('Producing with a schema subject', () => {
  test.use({ actionTimeout: 90_000 });
  const registry = new SchemaRegistryClient({ baseUrl: REGISTRY });

  test.beforeAll(async () => {
    requireService(await portAnswers(BROKER.host, BROKER.port), `Kafka at ${BROKER.host}:${BROKER.port}`, 'kafka');
    requireService(await httpAnswers(`${REGISTRY}/subjects`), `The schema registry at ${REGISTRY}`, 'schema-registry');
    await registry.register(subject, { schema: SCHEMA, schemaType: 'AVRO' });
    await registry.register(subject, { schema: SCHEMA_V2, schemaType: 'AVRO' });
    const kafka = stackKafka();
    try {
      await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    } finally {
      await kafka.dispose();
    }
  });

  test.afterAll(async () => {
    fs.rmSync(templateFile, { force: true });
    if (await portAnswers(BROKER.host, BROKER.port)) {
      const kafka = stackKafka();
      try {
        await removeTestTopics(kafka, [topic]);
      } finally {
        await kafka.dispose();
      }
    }
    if (await httpAnswers(`${REGISTRY}/subjects`)) {
      await registry.deleteSubject(subject);
      await registry.deleteSubject(subject, { permanent: true });
    }
  });

  test('a value that does not fit is named by its field and blocks Send; a template file shows it in Problems and completes field names', async ({ page }) => {
    test.setTimeout(360_000);
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);
    await wb.connectLocalStack();
    await wb.runCommand('View: Close All Editors');

    await test.step('the producer form: a zip that is text is reported as /address/zip, and Send is off with that message', async () => {
      await wb.runCommand('Kafka Airflow: Produce Test Messages');
      const form = wb.activeWebview();
      await expect(form.locator('h1')).toHaveText('Produce Test Messages', { timeout: 60_000 });
      await form.locator('#topic input').fill(topic);
      // The registry's subjects are offered to pick from; typing the name is the same.
      await expect(form.locator('#subject-pick vscode-option', { hasText: subject })).toHaveCount(1, { timeout: 30_000 });
      await form.locator('#subject input').fill(subject);
      // The subject's versions are offered, newest first; version 1 is picked.
      const versions = form.locator('#subject-version-pick');
      await expect(versions).toBeVisible({ timeout: 30_000 });
      await expect(versions.locator('vscode-option')).toHaveText(['Latest (version 2)', 'Version 2', 'Version 1']);
      await versions.locator('.select-face').click();
      await versions.locator('li[role="option"]', { hasText: 'Version 1' }).click();
      await expect(form.locator('#subject-version input')).toHaveValue('1');
      await form.locator('#count input').fill('1');
      await form.locator('#value textarea').fill(JSON.stringify({ id: 'c-{{seq}}', tier: 'GOLD', address: { street: 'Main', zip: 'ABC' } }, null, 2));
      await expect(form.locator('#value-problem')).toContainText('/address/zip: must be integer', { timeout: 30_000 });
      await expect(form.locator('#send-blocked')).toContainText('/address/zip: must be integer');
      await expect(form.locator('#send')).toHaveAttribute('disabled', /.*/);
      await wb.screenshot('schema-producer-invalid');

      await form.locator('#value textarea').fill(JSON.stringify({ id: 'c-{{seq}}', tier: 'GOLD', address: { street: 'Main', zip: '{{faker.number.int(99999)}}' } }, null, 2));
      await expect(form.locator('#value-problem')).toHaveText('', { timeout: 30_000 });
      await expect(form.locator('#schema-hint')).toContainText(`AVRO ${subject} v1`);
      await expect(form.locator('#send')).not.toHaveAttribute('disabled', /.*/);
      await form.locator('#send').click();
      await expect(form.locator('#result-summary')).toContainText(`1 message written to ${topic}`, { timeout: 60_000 });
      await wb.runCommand('View: Close All Editors');
    });

    await test.step('a template file that names the subject: the problem at the field\'s line and column, and the subject\'s fields offered', async () => {
      fs.writeFileSync(templateFile, [
        '{',
        `  "topic": "${topic}",`,
        `  "subject": "${subject}",`,
        '  "value": {',
        '    "id": "c-{{seq}}",',
        '',
        '    "address": { "street": "Main", "zip": "{{faker.location.city}}" }',
        '  }',
        '}',
        '',
      ].join('\n'));
      const input = await wb.openCommandPalette();
      await input.fill(path.basename(templateFile));
      await wb.pickQuickItem(path.basename(templateFile));
      await wb.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const problem = wb.panel.locator('.markers-panel .monaco-list-row').filter({ hasText: '/address/zip: must be integer' }).first();
      await expect(problem).toBeVisible({ timeout: 60_000 });
      await expect(problem).toContainText('[Ln 7, Col 43]');
      await expect(wb.editorPart.locator('.squiggly-error').first()).toBeVisible();

      // Completion on the empty line 6 of the value: the field it lacks, with its type.
      const goTo = await wb.openCommandPalette();
      await goTo.fill(':6');
      await goTo.press('Enter');
      await expect(wb.quickInput).toBeHidden();
      await page.keyboard.type('    "');
      await page.keyboard.press('Control+Space');
      const suggest = wb.editorPart.locator('.suggest-widget .monaco-list-row');
      await expect(suggest.filter({ hasText: 'tier' }).first()).toBeVisible({ timeout: 30_000 });
      await expect(suggest.filter({ hasText: 'address' }), 'a field the value has is not offered again').toHaveCount(0);
      await wb.screenshot('schema-template-completion');
      await page.keyboard.press('Escape');
      await wb.runCommand('File: Revert File');
      await wb.runCommand('View: Close All Editors');
    });
  });
});
