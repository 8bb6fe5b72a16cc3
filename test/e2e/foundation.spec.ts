// The extension's skeleton as a person sees it in a real VS Code (code-server):
// its activity-bar container, its six views with their welcome texts, and its log.
import { expect, test } from '@playwright/test';
import { openWorkbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const VIEWS = ['Kafka', 'DAGs', 'Datasets', 'Message History', 'Pipelines', 'Stack'];

test('the workbench shows the container, its six views and the log', async ({ page }) => {
  const wb = await openWorkbench(page);

  await test.step('the activity bar has the Kafka Airflow Workbench container', async () => {
    await wb.openContainer(CONTAINER);
  });

  await test.step('its six views show a welcome text when nothing is connected', async () => {
    for (const title of VIEWS) {
      await expect(wb.viewHeader(title), `view "${title}"`).toBeVisible();
      await wb.expandView(title);
      const welcome = wb.welcome(title);
      await expect(welcome, `welcome text of "${title}"`).toBeVisible();
      await expect(welcome).toHaveText(/\S/);
    }
    await expect(wb.sideBar.locator('.pane-header')).toHaveCount(VIEWS.length);
  });

  await test.step('"Kafka Airflow: Show Log" opens the Output channel', async () => {
    await wb.runCommand('Kafka Airflow: Show Log');
    await expect(wb.panel).toBeVisible();
    await expect(wb.activePanelTab).toHaveText(/^\s*Output\s*$/i);
    await expect.poll(() => wb.outputChannel()).toBe('Kafka Airflow Workbench');
  });

  await wb.screenshot('foundation');
});
