/**
 * Localisation ready: in the modules converted so far, what a user reads goes through
 * vscode.l10n.t (English is the only language shipped, but nothing there is hard-coded).
 * The list grows as modules are converted; a module on it that gains a plain string literal
 * in a notification, an error, a title or a prompt fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..');
const CONVERTED = [
  'src/commands/index.ts', 'src/commands/general.ts', 'src/commands/stack.ts', 'src/commands/trace.ts',
  'src/commands/dagGraph.ts', 'src/commands/status.ts', 'src/commands/history.ts', 'src/commands/batchConsumer.ts', 'src/commands/airflow.ts',
  'src/commands/dagAuthoring.ts', 'src/commands/kafka.ts', 'src/commands/kafkaTemplates.ts',
  'src/views/airflow/dagsTree.ts', 'src/views/airflow/datasetsTree.ts', 'src/views/airflow/dagCheckOnSave.ts',
  'src/views/history/historyTree.ts', 'src/views/history/historyDocuments.ts', 'src/views/kafka/kafkaTree.ts',
  'src/views/settingsProblemItem.ts', 'src/views/airflow/treeSupport.ts', 'src/views/kafka/templateCodeLens.ts', 'src/views/stackTree.ts',
];
/**
 * A user-facing call or option whose text starts as a plain literal instead of vscode.l10n.t(…)
 * (a template that only joins translated parts and data, `${…}` or `$(icon) ${…}`, is fine).
 */
const HARD_CODED = [
  /show(Information|Warning|Error)Message\(\s*[`'"][A-Za-z]/,
  /\b(title|prompt|placeHolder|saveLabel|detail): [`'"][A-Za-z]/,
  /new WorkbenchError\(\s*[`'"][A-Za-z]/,
  /progress\.report\(\{ message: [`'"][A-Za-z]/,
  /\b(item\.)?tooltip( =|:) [`'"][A-Za-z]/,
];

describe('vscode.l10n', () => {
  for (const file of CONVERTED) {
    it(`${file} passes what users read through vscode.l10n.t`, () => {
      const lines = readFileSync(join(root, file), 'utf8').split('\n');
      const found = lines.flatMap((line, i) => (HARD_CODED.some((re) => re.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
      assert.deepEqual(found, []);
    });
  }

  it('the check finds a hard-coded notification', () => {
    assert.ok(HARD_CODED.some((re) => re.test("void vscode.window.showInformationMessage('Done.');")));
    assert.ok(HARD_CODED.some((re) => re.test('item.tooltip = `Click to retry ${name}`;')));
    assert.ok(!HARD_CODED.some((re) => re.test("void vscode.window.showInformationMessage(vscode.l10n.t('Done.'));")));
    assert.ok(!HARD_CODED.some((re) => re.test("item.tooltip = `${text}\\n\\n${vscode.l10n.t('Click to retry.')}`;")));
  });
});
