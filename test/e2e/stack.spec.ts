// The Stack view and the stack status bar item as a person sees them in a real VS Code
// (code-server) on the native stack: Launch Stack (on the running stack its script only checks
// and finds everything running, about 5 s) shows progress per service and connects; the view
// then lists every native service (NATIVE_SERVICES of src/stack/serviceHealth.ts), each healthy
// with its detail (Spark idle with its jars installed); the status bar says "Stack: N/N healthy"
// with N the services that run a process (Spark, on demand, is not counted) and opens the view; the Airflow item shows the version of the
// connected Airflow 3 with a check mark within seconds of the launch (it once showed a red
// "Airflow ✗" for a minute: the connection was saved before its password); "Show Logs" on a
// row opens a terminal with that service's log.
// Needs the native stack up; skipped (with the reason) when a service does not answer, failed under CI.
import { expect, test } from '@playwright/test';
import { NATIVE_SERVICES } from '../../src/stack/serviceHealth';
import { portAnswers, requireService } from './stackServices';
import { openWorkbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
/** The rows of the Stack view: every native service, in the order they start. */
const SERVICES: readonly string[] = NATIVE_SERVICES.map((service) => service.name);
/** The status bar's healthy sum counts the services that run a process; on-demand ones (Spark) are left out. */
const COUNTED = NATIVE_SERVICES.filter((service) => !('onDemand' in service)).length;
const HEALTHY_SUM = `Stack: ${COUNTED}/${COUNTED} healthy`;
/**
 * How soon after Launch Stack says it connected the Airflow item must show the version: the
 * check runs when the connection is saved, before that message, so this is room for a slow
 * machine; it is less than the first retry after a failed check (5 s), so a check that ran
 * without the password (and only a retry healed) fails this test.
 */
const AIRFLOW_ITEM_TIMEOUT_MS = 4000;

test('the Stack view lists the native services as healthy, with a status bar item and Show Logs', async ({ page }) => {
  test.setTimeout(180_000);
  for (const [name, port] of [['Kafka', 9092], ['Airflow 3', 8080], ['PostgreSQL', 5432]] as const) {
    requireService(await portAnswers('127.0.0.1', port), `${name} on 127.0.0.1:${port}`);
  }
  const wb = await openWorkbench(page);
  await wb.openContainer(CONTAINER);

  await test.step('before connecting, the Stack view offers Launch Stack', async () => {
    await wb.collapseViews(['Kafka', 'DAGs', 'Datasets', 'Message History']);
    await wb.expandView('Stack');
    await expect(wb.welcome('Stack')).toContainText('Launch Stack');
  });

  await test.step('Launch Stack shows progress per service, then connects and says so', async () => {
    await wb.runCommand('Kafka Airflow: Launch Stack');
    // On a running stack the script only checks (about 5 s); the progress names each service.
    await wb.waitForNotification(/Kafka healthy · PostgreSQL healthy · .*Airflow 3 API server healthy/, 60_000);
    await wb.saveReadmeScreenshot('stack-launch');
    await wb.waitForNotification(`The native stack is up (${COUNTED}/${COUNTED} services healthy)`, 120_000);
  });

  await test.step('the Airflow status bar item shows the connected Airflow 3, not ✗, within seconds', async () => {
    // Launch Stack has connected when it says so: the check runs on that change, not a minute later.
    const airflowItem = wb.statusBarItem('kafkaAirflow.airflowStatus');
    await expect(airflowItem).toHaveText(/^\s*Airflow 3\.\d+\.\d+ ✓\s*$/, { timeout: AIRFLOW_ITEM_TIMEOUT_MS });
    await expect(airflowItem).toHaveAttribute('aria-label', /Airflow "Local stack" at http:\/\/127\.0\.0\.1:8080 Version 3\./);
  });

  await test.step(`the Stack view lists the ${SERVICES.length} native services, each healthy`, async () => {
    await wb.collapseViews(['Kafka', 'DAGs', 'Datasets', 'Message History']);
    await wb.expandView('Stack');
    await expect(wb.treeRows('Stack')).toHaveCount(SERVICES.length, { timeout: 30_000 });
    for (const name of SERVICES) {
      const row = wb.treeRow('Stack', name);
      await expect(row, name).toBeVisible();
      await expect(row.locator('.label-description'), `${name} is healthy`).toHaveText(/^healthy · \S/, { timeout: 30_000 });
      await expect(row.locator('.codicon-pass-filled'), `${name} has the healthy icon`).toBeVisible();
    }
    await expect(wb.treeRow('Stack', 'Kafka').locator('.label-description')).toContainText('1 broker');
    await expect(wb.treeRow('Stack', 'Airflow 3 scheduler').locator('.label-description')).toContainText('last heartbeat');
    await expect(wb.treeRow('Stack', 'Spark').locator('.label-description')).toHaveText(/^healthy · (jars installed, idle|job running, driver UI http:\/\/127\.0\.0\.1:404[0-4])$/);
  });

  await test.step(`the status bar says ${COUNTED}/${COUNTED} healthy (Spark not counted); its Show Connections list opens the Stack view`, async () => {
    const item = wb.statusBar.getByRole('button', { name: HEALTHY_SUM });
    await expect(item).toBeVisible({ timeout: 30_000 });
    await wb.collapseViews(['Stack']);
    await item.click();
    await expect(wb.quickInputTitle).toHaveText('Kafka Airflow: Connections');
    await wb.pickQuickItem(HEALTHY_SUM);
    await expect(wb.viewHeader('Stack')).toHaveAttribute('aria-expanded', 'true');
    await wb.collapseViews(['Kafka', 'DAGs', 'Datasets', 'Message History']);
    await wb.widenSideBar(520);
    await wb.clearNotifications();
    await wb.saveReadmeScreenshot('stack-view');
  });

  await test.step('Show Logs on a row opens a terminal with that service\'s log', async () => {
    await wb.clickInlineAction(wb.treeRow('Stack', 'Airflow 3 scheduler'), 'Show Logs');
    await expect(wb.panel).toBeVisible();
    await expect(wb.panel.getByText('Logs: Airflow 3 scheduler (native)').first()).toBeVisible({ timeout: 30_000 });
  });
});
