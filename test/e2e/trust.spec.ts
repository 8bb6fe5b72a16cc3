// Restricted Mode as a person meets it: a folder that is not trusted ships
// .vscode/settings.json with a Kafka connection of the same name as the user's,
// pointing elsewhere, and one more of its own. The workbench keeps using the
// user's connection (its topics load from the stack's broker), shows the folder's
// connections as not used with the reason, and once the folder is trusted uses them.
// This spec runs its own code-server with workspace trust on (the shared one runs
// with trust off so the other specs need no trust prompt).
import { expect, test } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BROKER, portAnswers, requireService } from './stackServices';
import { defaultVsix, freePort, repoRoot, runScript } from './server';
import { Workbench } from './workbench';

const CONTAINER = 'Kafka Airflow Workbench';
const START_TIMEOUT_MS = 5 * 60_000;

let port = 0;
let url = '';
let tempDir = '';

test.describe('an untrusted folder', () => {
  test.beforeAll(async () => {
    requireService(await portAnswers(BROKER.host, BROKER.port), 'Kafka', 'kafka');
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kaw-e2e-trust-'));
    const folder = path.join(tempDir, 'cloned-repository');
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    // What a repository from elsewhere could ship: the user's connection name, another target.
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({
      'kafkaAirflow.kafka.connections': [
        { name: 'Local Kafka', brokers: ['127.0.0.1:1'], saslMechanism: 'plain', saslUsername: 'admin' },
        { name: 'Folder Kafka', brokers: ['127.0.0.1:2'] },
      ],
    }, null, 2));
    fs.writeFileSync(path.join(folder, 'README.md'), '# A repository cloned from elsewhere\n');
    // Its dags/ folder, which kafkaAirflow.stack.dagFolders would link to the local stack once trusted.
    fs.mkdirSync(path.join(folder, 'dags'));
    fs.writeFileSync(path.join(folder, 'dags', 'cloned_dag.py'), 'from airflow.sdk import DAG\n\nwith DAG("kaw_e2e_cloned_dag", schedule=None):\n    pass\n');
    const userSettings = path.join(tempDir, 'user-settings.json');
    fs.writeFileSync(userSettings, JSON.stringify({
      'workbench.sideBar.location': 'left',
      'editor.minimap.enabled': false,
      'git.enabled': false,
      'kafkaAirflow.kafka.connections': [{ name: 'Local Kafka', brokers: [`${BROKER.host}:${BROKER.port}`] }],
    }, null, 2));
    port = await freePort(18180);
    const vsix = path.resolve(repoRoot, process.env.KAW_VSIX ?? defaultVsix);
    const out = runScript(['start', '--port', String(port), '--vsix', vsix, '--settings', userSettings,
      '--workspace', folder, '--profile-dir', path.join(tempDir, 'profile'), '--workspace-trust'], START_TIMEOUT_MS);
    url = out.split('\n').pop() ?? `http://127.0.0.1:${port}/`;
  });

  test.afterAll(() => {
    if (port !== 0) runScript(['stop', '--port', String(port)], 60_000);
    if (tempDir !== '') fs.rmSync(tempDir, { recursive: true, force: true });
  });

  test('uses only the user\'s connections in Restricted Mode, says why, and uses the folder\'s once trusted', async ({ page }) => {
    const wb = new Workbench(page);
    await page.goto(url);
    await wb.waitReady(CONTAINER);
    await wb.openContainer(CONTAINER);
    await wb.expandView('Kafka');

    await test.step('the folder\'s connections are shown as not used, with the reason', async () => {
      const note = wb.treeRow('Kafka', /^Restricted Mode: the Kafka connections "Local Kafka", "Folder Kafka" are defined in this folder's settings and not used until you trust the folder\.$/);
      await expect(note).toBeVisible({ timeout: 60_000 });
      await expect(wb.treeRow('Kafka', 'Folder Kafka')).toHaveCount(0);
    });

    await test.step('the user\'s own "Local Kafka" is used: its topics come from the stack\'s broker', async () => {
      const local = wb.treeRow('Kafka', 'Local Kafka');
      await wb.expandRow(local);
      await expect(wb.treeRow('Kafka', /^Topics/)).toBeVisible({ timeout: 60_000 });
      await expect(wb.treeRows('Kafka').filter({ hasText: /No SASL password|refused|127\.0\.0\.1:1\b/ })).toHaveCount(0);
    });
    await wb.widenSideBar(760);
    await wb.saveReadmeScreenshot('restricted-mode');

    await test.step('its DAG file is not linked, checked, tested or run: the CodeLens and the DAGs view say trusting enables it', async () => {
      const input = await wb.openCommandPalette();
      await input.fill('cloned_dag.py');
      await wb.pickQuickItem('cloned_dag.py');
      await expect(wb.editorPart.locator('.codelens-decoration a', { hasText: /Restricted Mode: trust this folder to check, test and run this DAG/ })).toBeVisible({ timeout: 60_000 });
      await expect(wb.editorPart.locator('.codelens-decoration a', { hasText: /^\s*(Trigger|Test)\s*$/ })).toHaveCount(0);
      await wb.expandView('DAGs');
      await expect(wb.view('DAGs')).toContainText('Restricted Mode: the workspace\'s DAG folders are not linked to the local stack', { timeout: 60_000 });
    });

    await test.step('trusting the folder makes its connections count', async () => {
      await wb.treeRow('Kafka', /^Restricted Mode:/).click();
      const trustButton = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
      await expect(trustButton).toBeVisible({ timeout: 60_000 });
      await trustButton.click();
      await wb.openContainer(CONTAINER);
      await expect(wb.treeRow('Kafka', 'Folder Kafka')).toBeVisible({ timeout: 60_000 });
      await expect(wb.treeRow('Kafka', /^Restricted Mode:/)).toHaveCount(0);
    });

    await test.step('the folder\'s "Local Kafka" does not get a password: it asks for one for its own target', async () => {
      const local = wb.treeRow('Kafka', 'Local Kafka');
      await wb.expandRow(local);
      await expect(wb.treeRows('Kafka').filter({ hasText: /No SASL password is stored for the Kafka connection "Local Kafka"/ })).toBeVisible({ timeout: 60_000 });
    });
  });
});
