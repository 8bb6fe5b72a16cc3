// Produce and Run from the palette in a real VS Code (code-server) against the native stack:
// connect to the local stack, produce 3 orders to a fresh topic, let kafka_batch_consumer load
// them, see the summary notification, and see the batch trace panel with every step reached.
// Needs Kafka, Airflow 3 and PostgreSQL of the native stack (`bash stack/native/stack.sh up`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, test, type FrameLocator } from '@playwright/test';
import { repoRoot } from './server';
import { openWorkbench, type Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const topic = `e2e-trace-${Date.now().toString(36)}`;

function webview(wb: Workbench): FrameLocator {
  return wb.page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('iframe#active-frame');
}

test('Produce and Run opens the batch trace with every step reached', async ({ page }) => {
  test.setTimeout(420_000);
  const wb = await openWorkbench(page);
  await wb.openContainer(CONTAINER);
  await wb.runCommand('Kafka Airflow: Connect to Local Stack');
  await wb.waitForNotification(/Connected to the local stack/);
  await wb.clearNotifications();

  // The command asks at once, so the palette stays open (runCommand would wait for it to close).
  const palette = await wb.openCommandPalette();
  await palette.pressSequentially('Kafka Airflow: Produce and Run', { delay: 5 });
  await wb.quickInput.locator('.monaco-list-row').filter({ has: wb.page.locator('.label-name', { hasText: 'Kafka Airflow: Produce and Run' }) }).first().click();
  // Data types: "order" is picked already; accept the multi-select.
  await expect(wb.quickInput.locator('.quick-input-title')).toHaveText('Produce and Run: data types');
  await wb.quickInput.locator('input.input').press('Enter');
  await expect(wb.quickInput.locator('.quick-input-title')).toHaveText('Produce and Run: messages');
  await wb.answerInput('3');
  await expect(wb.quickInput.locator('.quick-input-title')).toHaveText('Produce and Run: topic');
  await wb.answerInput(topic);

  const summary = await wb.waitForNotification(/Batch consumer run .* succeeded: \d+ message\(s\) loaded, \d+ dataset event\(s\) emitted/, 240_000);
  await expect(summary).toBeVisible();

  const trace = webview(wb);
  await expect(trace.locator('h1')).toContainText('Batch trace of kafka_batch_consumer run', { timeout: 60_000 });
  await expect(trace.locator('ol.timeline li')).toHaveCount(5);
  await expect(trace.locator('ol.timeline li.status-done')).toHaveCount(5, { timeout: 120_000 });
  await expect(trace.locator('.slowest')).toContainText('Slowest step:');
  const file = await wb.screenshot('trace-batch');
  fs.mkdirSync(path.join(repoRoot, 'media', 'screenshots'), { recursive: true });
  fs.copyFileSync(file, path.join(repoRoot, 'media', 'screenshots', 'trace-batch.png'));
});
