// Kafka in the editor, as a person uses it in a real VS Code (code-server) against the
// native stack's broker (127.0.0.1:9092): connect, create a topic from the tree, find it
// with the tree's filter, produce 100 templated messages from the producer form (one field
// holds an HTML/script payload), open the Message Inspector from the result, see the rows,
// filter them, open one in the detail pane, and see the payload as the characters it is:
// nothing runs, no element is made from it; a zero-width space in it shows as \u200B.
// Needs `bash stack/native/stack.sh up kafka`; skipped (with the reason) when Kafka does not
// answer, failed under CI.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test, type Locator } from '@playwright/test';
import { ZWSP } from '../support/hiddenCharacters';
import { removeTestTopics } from '../support/testTopics';
import { workspaceDir } from './server';
import { BROKER, portAnswers, requireService, stackKafka } from './stackServices';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const XSS = '<img src=x onerror=alert(1)><script>alert(1)</script>';
const topic = `e2e-orders-${Date.now().toString(36)}`;
const group = `e2e-batch-consumer-${Date.now().toString(36)}`;
const templateFile = path.join(workspaceDir, `${topic}.kafka.json`);

/** Collapses the other views and widens the side bar so the Kafka rows show whole. */
async function focusOnKafkaView(wb: Workbench): Promise<void> {
  for (const title of ['DAGs', 'Datasets', 'Message History', 'Stack']) {
    const header = wb.viewHeader(title);
    if ((await header.count()) > 0 && (await header.getAttribute('aria-expanded')) === 'true') {
      await header.click({ position: { x: 24, y: 11 } });
      await expect(header).toHaveAttribute('aria-expanded', 'false');
    }
  }
  const box = await wb.sideBar.boundingBox();
  if (box && box.width < 450) {
    const y = box.y + box.height / 2;
    await wb.page.mouse.move(box.x + box.width + 1, y);
    await wb.page.mouse.down();
    await wb.page.mouse.move(box.x + 520, y, { steps: 8 });
    await wb.page.mouse.up();
  }
}

/**
 * The trace panel opened by Trace Message for a message no batch consumer has read: produced
 * done with its coordinates, consumed waiting. Closes the trace, back to the panel it came from.
 */
async function expectUnconsumedTrace(wb: Workbench, partition: string, offset: string): Promise<void> {
  const trace = wb.activeWebview();
  await expect(trace.locator('h1')).toHaveText(`Trace of ${topic} [${partition}] @ ${offset}`, { timeout: 60_000 });
  const step = (kind: string): Locator => trace.locator(`ol.timeline li[data-kind="${kind}"]`);
  await expect(step('produced')).toHaveClass(/status-done/);
  await expect(step('produced')).toContainText(`${topic} [${partition}] @ ${offset}`);
  await expect(step('consumed')).toHaveClass(/status-waiting/);
  await expect(step('consumed')).toContainText('not consumed yet');
  await wb.runCommand('View: Close Editor');
  await expect(wb.activeWebview().locator('h1', { hasText: /^Trace of / })).toHaveCount(0, { timeout: 30_000 });
}

test.describe('Kafka in the editor', () => {
  test.use({ actionTimeout: 90_000 });

  test.beforeAll(async () => {
    requireService(await portAnswers(BROKER.host, BROKER.port), `Kafka at ${BROKER.host}:${BROKER.port}`, 'kafka');
  });

  test.afterAll(async () => {
    fs.rmSync(templateFile, { force: true });
    if (!(await portAnswers(BROKER.host, BROKER.port))) return;
    const kafka = stackKafka();
    try {
      await removeTestTopics(kafka, [topic]);
    } finally {
      await kafka.dispose();
    }
  });

  test('create a topic, produce 100 templated messages from the form, inspect, filter, and see HTML as text', async ({ page }) => {
    test.setTimeout(480_000);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const wb = await openWorkbench(page);
    await wb.openContainer(CONTAINER);

    await test.step('connect to the local stack', async () => {
      await wb.connectLocalStack();
    });

    await test.step('the Kafka view lists the cluster with its topics and consumer groups', async () => {
      await wb.expandView('Kafka');
      await focusOnKafkaView(wb);
      await wb.expandRow(wb.treeRow('Kafka', 'Local stack'));
      await expect(wb.treeRow('Kafka', 'Topics')).toBeVisible({ timeout: 60_000 });
      await expect(wb.treeRow('Kafka', 'Consumer Groups')).toBeVisible();
      await expect(wb.treeRow('Kafka', 'Topics')).toContainText(/\d+ topics?/, { timeout: 30_000 });
    });

    await test.step('create a topic from the Topics row, with its name checked as it is typed', async () => {
      // The row's inline action (a palette command would race its own input box in runCommand).
      await wb.clickInlineAction(wb.treeRow('Kafka', 'Topics'), 'Create Topic…');
      const input = wb.quickInput.locator('input.input');
      await expect(input).toBeVisible({ timeout: 30_000 });
      await input.fill('orders/raw');
      await expect(wb.quickInput).toContainText('"/" is not allowed in a topic name');
      await wb.answerInput(topic);
      await wb.answerInput('3');
      await wb.answerInput('1');
      await wb.answerInput('7d');
      await wb.waitForNotification(new RegExp(`Created the topic ${topic} with 3 partitions`));
      await wb.clearNotifications();
    });

    await test.step('a consumer group that has read nothing yet (for its lag)', async () => {
      const kafka = stackKafka();
      try {
        await kafka.resetGroupOffsets(group, topic, { kind: 'earliest' });
      } finally {
        await kafka.dispose();
      }
    });

    await test.step('the filter narrows the tree to the new topic', async () => {
      // The filter button in the view's title bar (it opens its input box at once).
      const header = wb.page.locator('.pane-header[aria-label="Kafka Section"], .pane-header[aria-label^="Kafka - "]');
      await header.hover();
      await header.locator('.actions .action-label[aria-label="Filter Topics and Groups…"]').click();
      await wb.answerInput(`${topic} ${group}`);
      await expect(wb.treeRow('Kafka', topic)).toBeVisible({ timeout: 30_000 });
      await expect(wb.treeRow('Kafka', 'Topics')).toContainText(/1 of [\d,]+ topics/);
    });

    const form = wb.activeWebview();
    await test.step('open the producer form from the topic\'s row; invalid JSON is pointed at by line and column', async () => {
      await wb.clickInlineAction(wb.treeRow('Kafka', topic), 'Produce Test Messages…');
      await expect(form.locator('h1')).toHaveText('Produce Test Messages', { timeout: 60_000 });
      await expect(form.locator('#topic input')).toHaveValue(topic);
      await expect(form.locator('#topic-hint')).toHaveText('3 partitions', { timeout: 30_000 });
      await form.locator('#value textarea').fill('{\n  "order_id": "{{seq}}",\n  "note": oops\n}');
      await expect(form.locator('#value-problem')).toContainText('line 3, column 11');
      await expect(form.locator('#send')).toHaveAttribute('disabled', /.*/);
      await form.locator('#partition input').fill('3');
      await expect(form.locator('#partition-problem')).toContainText('partitions 0 to 2; partition 3 does not exist');
      await form.locator('#partition input').fill('');
    });

    await test.step('send 100 templated messages; the partitions and offsets written are listed', async () => {
      const value = JSON.stringify({ order_id: '{{seq}}', customer: '{{faker.person.fullName}}', amount: '{{faker.finance.amount}}', note: XSS, file: `invoice${ZWSP}.pdf` }, null, 2);
      await form.locator('#value textarea').fill(value);
      await form.locator('#key input').fill('order-{{seq}}');
      await form.locator('#count input').fill('100');
      await expect(form.locator('#value-problem')).toHaveText('');
      await expect(form.locator('#preview')).toContainText('key: order-1', { timeout: 30_000 });
      await expect(form.locator('#send')).toHaveText('Send 100 messages');
      await form.locator('#send').click();
      await expect(form.locator('#result-summary')).toContainText(`100 messages written to ${topic}`, { timeout: 60_000 });
      await expect(form.locator('#result-partitions tr')).toHaveCount(4);
      await expect(form.locator('#stat-sent')).toContainText('100 of 100 sent');
      await expect(form.locator('#stat-failed')).toContainText('0 failed');
      // The preview, Send, the progress and the partitions written, in one view.
      await form.locator('#result-partitions').evaluate((table: { scrollIntoView(options: { block: string }): void }) => { table.scrollIntoView({ block: 'end' }); });
      await wb.saveReadmeScreenshot('producer');
    });

    await test.step('"Trace" on a written message opens its trace: produced, not consumed yet', async () => {
      const written = form.locator('#result-records tr').nth(1);
      const partition = (await written.locator('td').nth(1).textContent())?.trim() ?? '';
      const offset = (await written.locator('td').nth(2).textContent())?.trim() ?? '';
      expect(partition).toMatch(/^[0-2]$/);
      expect(offset).toMatch(/^\d+$/);
      await written.locator('.trace-record').click();
      await expectUnconsumedTrace(wb, partition, offset);
      await expect(form.locator('#result-summary')).toContainText(`100 messages written to ${topic}`);
    });

    const inspector = wb.activeWebview();
    await test.step('open the inspector from the result; it reads the 100 messages and shows only the rows on screen', async () => {
      await form.locator('#open-inspector').click();
      await expect(inspector.locator('#title')).toHaveText(topic, { timeout: 60_000 });
      await expect(inspector.locator('#status-text')).toContainText('Read all 100 messages', { timeout: 60_000 });
      await expect(inspector.locator('.vt-row:not([hidden])').first()).toBeVisible();
      const inDom = await inspector.locator('.vt-row').count();
      expect(inDom, 'the table is virtualized: fewer row elements than messages').toBeLessThan(100);
      await expect(inspector.locator('.vt-row').filter({ hasText: XSS }).first()).toBeVisible();
    });

    await test.step('filter by text in the host: one message matches', async () => {
      await inspector.locator('#search input').fill('order-42');
      await expect(inspector.locator('#status-text')).toContainText('1 of 100 match the filter');
      await expect(inspector.locator('.vt-row:not([hidden])')).toHaveCount(1);
    });

    await test.step('open the message: its value is pretty JSON with the HTML shown as characters', async () => {
      const only = inspector.locator('.vt-row:not([hidden])').first();
      await expect(only).toContainText('order-42');
      await only.click();
      await expect(inspector.locator('#detail-title')).toContainText(`${topic} · partition`);
      const content = inspector.locator('#detail-content');
      await expect(content).toContainText('"order_id": 42');
      await expect(content).toContainText(`"note": "${XSS}"`);
      // The zero-width space is shown as a styled escape with a note, in the detail and in the row.
      await expect(content.locator('.hidden-char')).toHaveText('\\u200B');
      await expect(content).toContainText('"file": "invoice\\u200B.pdf"');
      await expect(inspector.locator('#detail-note')).toContainText('1 invisible or bidirectional character shown as \\uXXXX escape');
      await expect(only.locator('.vt-cell .hidden-char')).toHaveText('\\u200B');
      // Nothing was made from the payload: no <img>, no second <script>, no alert.
      await expect(inspector.locator('#root img')).toHaveCount(0);
      await expect(inspector.locator('#root script')).toHaveCount(0);
      await expect(inspector.locator('script', { hasText: 'alert' })).toHaveCount(0);
      await inspector.locator('#tab-headers').click();
      await expect(inspector.locator('#detail-headers')).toContainText('source');
      await inspector.locator('#tab-value').click();
      await inspector.locator('#view-hex').click();
      await expect(content).toContainText('|{"order_id":42,"|');
      await inspector.locator('#view-pretty').click();
      await inspector.locator('#search input').fill('');
      await expect(inspector.locator('#status-text')).not.toContainText('match the filter');
      await inspector.locator('.vt-row:not([hidden])').first().click();
      await wb.saveReadmeScreenshot('inspector');
      expect(dialogs, 'no alert() ran').toEqual([]);
    });

    await test.step('"Trace Message" in the detail pane opens the trace of that message', async () => {
      const title = (await inspector.locator('#detail-title').textContent()) ?? '';
      const [, partition, offset] = /partition (\d+) · offset (\d[\d,\s]*)/.exec(title) ?? [];
      expect(partition, `coordinates in "${title}"`).toBeDefined();
      await inspector.locator('#trace-message').click();
      await expectUnconsumedTrace(wb, partition ?? '', (offset ?? '').replace(/\D/g, ''));
      await expect(inspector.locator('#detail-title')).toHaveText(title);
    });

    await test.step('export every shown message to JSON through the save dialog; nothing is lost', async () => {
      await inspector.locator('#export-filtered').click();
      // code-server's save dialog is a quick input with the proposed path; Enter accepts it.
      const pathInput = wb.quickInput.locator('input.input');
      await expect(pathInput).toBeVisible({ timeout: 30_000 });
      await expect(pathInput).toHaveValue(new RegExp(`${topic}-.*\\.json$`));
      await pathInput.press('Enter');
      await expect(inspector.locator('#status-text')).toContainText('Exported 100 messages to', { timeout: 30_000 });
      const exported = fs.readdirSync(workspaceDir).filter((f) => f.startsWith(`${topic}-`) && f.endsWith('.json'));
      expect(exported).toHaveLength(1);
      const file = path.join(workspaceDir, exported[0] ?? '');
      const records = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; value: { note: string }; valueEncoding: string }[];
      fs.rmSync(file);
      expect(records).toHaveLength(100);
      expect(records.every((r) => r.valueEncoding === 'json' && r.value.note === XSS)).toBe(true);
    });

    await test.step('"Produce again" opens the producer with an editable copy of the message', async () => {
      await inspector.locator('.vt-row:not([hidden])').first().click();
      await inspector.locator('#produce-again').click();
      const copy = wb.activeWebview();
      await expect(copy.locator('#note')).toContainText('An editable copy of', { timeout: 30_000 });
      await expect(copy.locator('#value textarea')).toHaveValue(/"note": "<img src=x onerror=alert\(1\)><script>alert\(1\)<\/script>"/);
      await expect(copy.locator('#count input')).toHaveValue('1');
    });

    await test.step('a template file shows "Produce ×5" above its template; it sends 5 more', async () => {
      fs.writeFileSync(templateFile, `${JSON.stringify({
        topic,
        key: 'tpl-{{seq}}',
        value: { order_id: '{{seq}}', sku: '{{faker.string.alphanumeric(8)}}', source: 'template' },
        count: 5,
      }, null, 2)}\n`);
      await wb.page.keyboard.press('Escape');
      // Quick Open: the palette without its ">" searches files.
      const input = await wb.openCommandPalette();
      await input.fill(path.basename(templateFile));
      await wb.pickQuickItem(path.basename(templateFile));
      const lens = wb.editorPart.locator('.codelens-decoration a', { hasText: 'Produce ×5' });
      await expect(lens).toBeVisible({ timeout: 60_000 });
      await expect(wb.editorPart.locator('.codelens-decoration a', { hasText: /^\s*Produce\s*$/ })).toBeVisible();
      await lens.click();
      await wb.waitForNotification(new RegExp(`5 messages written to ${topic}`));
      await wb.clearNotifications();
    });

    await test.step('the tree shows the topic\'s partitions with offsets and the group\'s lag', async () => {
      await wb.page.keyboard.press('Escape');
      const topicRow = wb.treeRow('Kafka', topic);
      await expect(topicRow).toContainText('3 partitions · 105 msgs', { timeout: 30_000 });
      await wb.expandRow(topicRow);
      await expect(wb.treeRow('Kafka', 'Partition 0')).toContainText(/leader \d+ · offsets 0–\d+ · \d+ msgs/);
      await wb.expandRow(wb.treeRow('Kafka', 'Consumer Groups'));
      const groupRow = wb.treeRow('Kafka', group);
      await expect(groupRow).toContainText('lag 105', { timeout: 30_000 });
      await wb.saveReadmeScreenshot('kafka-tree');
    });

    await test.step('a cluster that is not there shows the cause and Retry, not a spinner', async () => {
      await wb.runCommand('Kafka Airflow: Clear Kafka Filter');
      // Fold the local cluster, now unfiltered, so the new connection's row is on screen.
      const local = wb.treeRow('Kafka', 'Local stack');
      await expect(async () => {
        if ((await local.getAttribute('aria-expanded')) === 'true') await local.click();
        await expect(local).toHaveAttribute('aria-expanded', 'false', { timeout: 3000 });
      }).toPass({ timeout: 60_000 });
      const header = wb.page.locator('.pane-header[aria-label="Kafka Section"], .pane-header[aria-label^="Kafka - "]');
      await header.hover();
      await header.locator('.actions .action-label[aria-label="Add Kafka Connection"]').click();
      await wb.answerInput('Nowhere');
      await wb.answerInput('127.0.0.1:1');
      await wb.pickQuickItem('PLAINTEXT');
      const nowhere = wb.treeRow('Kafka', 'Nowhere');
      await wb.expandRow(nowhere);
      const failure = wb.treeRows('Kafka').filter({ hasText: 'Kafka at 127.0.0.1:1 refused the connection' });
      await expect(failure).toBeVisible({ timeout: 60_000 });
      await failure.hover();
      await expect(failure.locator('.actions .action-label[aria-label="Retry"]')).toBeVisible();
    });
  });
});
