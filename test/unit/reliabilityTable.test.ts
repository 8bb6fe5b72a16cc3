// scripts/reliability-table.mjs, which renders the bad-input matrix into the README: it refuses
// a README without its two markers and leaves it as it was, replaces only what lies between
// them, keeps a cell's pipes and angle brackets from breaking the table, and changes nothing
// when run twice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

const SCRIPT = path.join(import.meta.dirname, '..', '..', 'scripts', 'reliability-table.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'wb-reliability-table-'));
after(() => { rmSync(dir, { recursive: true, force: true }); });

const matrix = {
  generatedAt: '2026-01-02T03:04:05.000Z',
  summary: { pass: 1, fail: 0, todo: 1, skipped: 0 },
  rows: [
    {
      id: 'a', area: 'kafka', input: 'a broker | with a pipe', cause: ['x'], nextStep: ['y'], timeoutMs: 4000, result: 'pass',
      elapsedMs: 2155, message: 'Kafka at 127.0.0.1:{port} did not answer <in time>.', actions: ['Retry', 'Show Log'], untouched: 'end offsets unchanged', problem: null,
    },
    {
      id: 'b', area: 'settings', input: 'no name', cause: ['x'], nextStep: ['y'], timeoutMs: 1000, result: 'todo',
      elapsedMs: 0, message: 'Kafka connection #1 has no "name".', actions: ['Open Settings'], untouched: '', problem: 'no next step',
    },
  ],
};
const matrixFile = path.join(dir, 'bad-input.json');
writeFileSync(matrixFile, JSON.stringify(matrix));

function render(readme: string): { status: number | null; stderr: string; text: string } {
  const file = path.join(dir, 'README.md');
  writeFileSync(file, readme);
  const run = spawnSync(process.execPath, [SCRIPT, matrixFile, file], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr, text: readFileSync(file, 'utf8') };
}

describe('reliability table', () => {
  it('refuses a README without both markers and leaves it unchanged', () => {
    for (const readme of ['# Title\n\nno markers\n', '# T\n<!-- bad-input-matrix:end -->\n<!-- bad-input-matrix:start -->\n']) {
      const run = render(readme);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /must hold the line "<!-- bad-input-matrix:start -->" once/);
      assert.equal(run.text, readme);
    }
  });

  it('replaces only the block between the markers, with one escaped row per case, and is stable', () => {
    const before = '# Title\n\n## Reliability\n\nIntro.\n\n<!-- bad-input-matrix:start -->\nold table\n<!-- bad-input-matrix:end -->\n\n## Next\n\nkeep | me <b>\n';
    const run = render(before);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.text.startsWith('# Title\n\n## Reliability\n\nIntro.\n\n<!-- bad-input-matrix:start -->\n'));
    assert.ok(run.text.endsWith('<!-- bad-input-matrix:end -->\n\n## Next\n\nkeep | me <b>\n'));
    assert.doesNotMatch(run.text, /old table/);
    assert.match(run.text, /2 bad inputs, run 2026-01-02: 1 pass, 1 known failure \(todo\), 0 fail, 0 skipped\./);
    assert.match(run.text, /\| 1 \| kafka \| a broker \\\| with a pipe \| Kafka at 127\.0\.0\.1:\{port\} did not answer &lt;in time&gt;\. \[Retry\] \[Show Log\] \| 2\.2 s \/ 4 s \| end offsets unchanged \| pass \|/);
    assert.match(run.text, /\| 2 \| settings \| no name \| .* \| 0 ms \/ 1 s \| — \| todo \(known failure\): no next step \|/);
    const again = render(run.text);
    assert.equal(again.status, 0);
    assert.equal(again.text, run.text);
  });
});
