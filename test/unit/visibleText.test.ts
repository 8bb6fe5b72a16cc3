/**
 * What a user reads when a key, value, topic, group, DAG id, run id or dataset URI holds
 * characters that are invisible or reorder text: the helper (src/shared/visibleText.ts)
 * shows each class as a `\u…` escape and leaves ordinary text, emoji sequences and surrogate
 * pairs alone; and each place that presents such text (inspector cells and detail, history
 * rows and documents, Airflow tooltips, the trace view) shows the escapes with a note, while
 * a missing key reads `(null)` as a missing value does. The inspector's search finds the
 * characters themselves, and an escape typed as it is shown finds them too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dag, DagRun, Dataset, DatasetEvent, TaskInstance } from '../../src/airflow/types';
import type { HistoryRow, HistoryRowSummary } from '../../src/history/types';
import { previewOf } from '../../src/kafka/decode';
import { MessageBuffer } from '../../src/kafka/messageBuffer';
import { compileFilter } from '../../src/kafka/recordFilter';
import type { KafkaRecord } from '../../src/kafka/types';
import { cellOf, contentOf, detailNote, headerValueOf } from '../../src/shared/inspectorDisplay';
import { detailOf, rowOf } from '../../src/panels/inspectorSource';
import type { MessageTrace } from '../../src/trace/traceModel';
import { messageTraceView } from '../../src/trace/traceView';
import {
  countHiddenCharacters,
  describeHiddenCharacter,
  escapeOf,
  hasHiddenCharacters,
  hiddenCharactersNote,
  oneLine,
  visibleJson,
  visibleLabel,
  visibleParts,
  visibleText,
  visibleTooltip,
  type HiddenCharacter,
} from '../../src/shared/visibleText';
import { dagTooltip, datasetTooltip, eventTooltip, runTooltip, taskTooltip } from '../../src/airflow/presentation';
import { rowDocument, rowLabel, rowTooltip } from '../../src/history/presentation';
import { BOM, LRI, NUL, PDI, RLO, ZWJ, ZWNJ, ZWSP } from '../support/hiddenCharacters';

describe('visible text: which characters are shown as escapes', () => {
  it('shows every bidirectional control as \\uXXXX', () => {
    for (const codePoint of [0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      const shown = visibleText(`a${String.fromCodePoint(codePoint)}b`);
      assert.equal(shown.text, `a\\u${codePoint.toString(16).toUpperCase().padStart(4, '0')}b`);
      assert.equal(shown.count, 1);
      assert.equal(describeHiddenCharacter(codePoint).kind, 'bidi', `U+${codePoint.toString(16)} is a bidi control`);
    }
    assert.equal(describeHiddenCharacter(0x202e).title, 'U+202E RIGHT-TO-LEFT OVERRIDE: a bidirectional control, it reorders the text after it');
  });

  it('shows zero-width and other invisible format characters', () => {
    for (const codePoint of [0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff, 0x00ad, 0x180e, 0x034f, 0x3164, 0xffa0]) {
      assert.equal(visibleText(`x${String.fromCodePoint(codePoint)}y`).count, 1, `U+${codePoint.toString(16)} is shown`);
      assert.equal(describeHiddenCharacter(codePoint).kind, 'invisible');
    }
    assert.equal(visibleText(`${BOM}order-1`).text, '\\uFEFForder-1');
    assert.equal(visibleText(`soft${String.fromCodePoint(0xad)}hyphen`).text, 'soft\\u00ADhyphen');
  });

  it('shows C0 and C1 controls, but not tab, line feed and carriage return', () => {
    assert.equal(visibleText(`a${NUL}b${String.fromCodePoint(0x1b)}[31m`).text, 'a\\u0000b\\u001B[31m');
    assert.equal(visibleText(`del${String.fromCodePoint(0x7f)} c1${String.fromCodePoint(0x85)}${String.fromCodePoint(0x9b)}`).text, 'del\\u007F c1\\u0085\\u009B');
    assert.equal(describeHiddenCharacter(0).title, 'U+0000 NULL: a control character');
    assert.deepEqual(visibleText('tab\tline\nreturn\r\n'), { text: 'tab\tline\nreturn\r\n', count: 0 });
  });

  it('shows tag characters above U+FFFF as \\u{…} and keeps them in a flag', () => {
    const smuggled = `ok${String.fromCodePoint(0xe0041, 0xe0042)}`;
    assert.deepEqual(visibleText(smuggled), { text: 'ok\\u{E0041}\\u{E0042}', count: 2 });
    assert.equal(escapeOf(0xe0041), '\\u{E0041}');
    const scotland = String.fromCodePoint(0x1f3f4, 0xe0067, 0xe0062, 0xe0073, 0xe0063, 0xe0074, 0xe007f);
    assert.deepEqual(visibleText(`flag ${scotland}`), { text: `flag ${scotland}`, count: 0 });
  });

  it('keeps a joiner inside an emoji sequence or a Persian word, shows it between ASCII letters', () => {
    const coder = String.fromCodePoint(0x1f468, 0x200d, 0x1f4bb);
    assert.equal(visibleText(`dev ${coder}`).count, 0);
    const persian = `${String.fromCodePoint(0x0645)}${ZWNJ}${String.fromCodePoint(0x06cc)}`;
    assert.equal(visibleText(persian).count, 0);
    assert.equal(visibleText(`admin${ZWJ}user`).text, 'admin\\u200Duser');
    assert.equal(visibleText(`${ZWJ}${String.fromCodePoint(0x1f4bb)}`).count, 1, 'a joiner at the start joins nothing');
  });

  it('leaves ordinary text, spaces that look like spaces, and surrogate pairs untouched (fast path)', () => {
    const text = `{"name":"Zoë","city":"東京","mood":"${String.fromCodePoint(0x1f600)}","math":"${String.fromCodePoint(0x1d49c)}","nbsp":"a${String.fromCodePoint(0xa0)}b"}`;
    assert.equal(hasHiddenCharacters(text), false);
    const shown = visibleText(text);
    assert.equal(shown.text, text, 'the very same string comes back');
    assert.equal(shown.count, 0);
    assert.deepEqual(visibleParts(text), { parts: [text], count: 0 });
    assert.deepEqual(visibleParts(''), { parts: [], count: 0 });
    const lone = `cut ${String.fromCharCode(0xd83d)}`;
    assert.equal(visibleText(lone).text, lone, 'a lone surrogate (a preview cut mid-pair) is left as it is');
  });

  it('splits text into plain parts and styled escapes, and stops styling after a limit', () => {
    const { parts, count } = visibleParts(`a${RLO}b${ZWSP}c`);
    assert.equal(count, 2);
    assert.equal(parts.length, 5);
    const escape = parts[1] as HiddenCharacter;
    assert.deepEqual([parts[0], escape.escape, escape.kind, parts[2], (parts[3] as HiddenCharacter).escape, parts[4]], ['a', '\\u202E', 'bidi', 'b', '\\u200B', 'c']);
    const limited = visibleParts(`a${RLO}b${ZWSP}c${ZWSP}`, 1);
    assert.equal(limited.count, 3);
    assert.deepEqual(limited.parts.slice(2), ['b\\u200Bc\\u200B'], 'after the limit the rest is escaped plain text');
  });

  it('words the note for one and for many', () => {
    assert.equal(hiddenCharactersNote(0), '');
    assert.equal(hiddenCharactersNote(1), '1 invisible or bidirectional character shown as \\uXXXX escape');
    assert.equal(hiddenCharactersNote(2), '2 invisible or bidirectional characters shown as \\uXXXX escapes');
    assert.equal(hiddenCharactersNote(1500), '1,500 invisible or bidirectional characters shown as \\uXXXX escapes');
  });

  it('labels, tooltips with the note, JSON that still parses, previews that keep a BOM', () => {
    assert.equal(visibleLabel(`invoice${RLO}fdp.exe`), 'invoice\\u202Efdp.exe');
    assert.equal(visibleTooltip('plain'), 'plain');
    assert.equal(visibleTooltip(`DAG x${LRI}y${PDI}`), 'DAG x\\u2066y\\u2069\n\n2 invisible or bidirectional characters shown as \\uXXXX escapes.');
    const data = { key: `k${RLO}`, tag: `t${String.fromCodePoint(0xe0041)}`, nul: NUL };
    const json = visibleJson(JSON.stringify(data));
    assert.equal(json, '{"key":"k\\u202e","tag":"t\\udb40\\udc41","nul":"\\u0000"}');
    assert.deepEqual(JSON.parse(json), data, 'the document parses to the same data');
    assert.equal(oneLine(` a \n\t b${BOM} `), `a b${BOM}`);
    assert.equal(previewOf(`${BOM}{"a":\n1}`), `${BOM}{"a": 1}`, 'a preview no longer turns a BOM into a space');
    assert.equal(countHiddenCharacters(`${BOM}x${RLO}`), 2);
  });

  it('answers the fast path quickly for a page of rows', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `{"order_id": ${i}, "customer": "Jane Doe", "note": "some text to fill a preview of two hundred characters"}`);
    const started = performance.now();
    for (let round = 0; round < 20; round++) for (const row of rows) visibleText(row);
    const perPage = (performance.now() - started) / 20;
    assert.ok(perPage < 20, `1,000 rows took ${perPage.toFixed(2)} ms`);
  });
});

function record(patch: Partial<KafkaRecord> = {}): KafkaRecord {
  const key = Buffer.from('k');
  const value = Buffer.from('v');
  return { topic: 'orders', partition: 0, offset: '1', timestamp: 1_700_000_000_000, key, value, headers: [], size: 2, ...patch };
}

describe('visible text in the Message Inspector', () => {
  it('a missing key reads (null) muted, as a missing value does, in the table', () => {
    const row = rowOf(1, record({ key: null, value: null }));
    const key = cellOf(row, 'key');
    const value = cellOf(row, 'value');
    assert.deepEqual(key, { parts: ['(null)'], count: 0, muted: true, tooltip: '(null)' });
    assert.deepEqual(value, key);
    const empty = rowOf(2, record({ key: Buffer.alloc(0), value: Buffer.alloc(0) }));
    assert.deepEqual([cellOf(empty, 'key').parts, cellOf(empty, 'key').muted], [['(empty)'], true]);
    assert.deepEqual(cellOf(empty, 'value').parts, ['(empty)']);
  });

  it('shows hidden characters of a key and value as escapes, with the note in the tooltip', () => {
    const row = rowOf(3, record({ key: Buffer.from(`user${RLO}nimda`), value: Buffer.from(`{"note":"${LRI}x${PDI}${ZWSP}"}`) }));
    assert.equal(row.key, `user${RLO}nimda`, 'the host sends the characters themselves');
    const key = cellOf(row, 'key');
    assert.equal(key.count, 1);
    assert.equal((key.parts[1] as HiddenCharacter).escape, '\\u202E');
    assert.equal(key.tooltip, 'user\\u202Enimda\n\n1 invisible or bidirectional character shown as \\uXXXX escape.');
    assert.equal(cellOf(row, 'value').count, 3);
  });

  it('words the detail pane alike for a missing key and value, and notes escapes', () => {
    const detail = detailOf(4, record({ key: null, value: null, headers: [{ key: `h${ZWSP}`, value: null }] }));
    assert.deepEqual(contentOf(detail.key, 'key', 'text'), { parts: ['(null: this message has no key)'], count: 0, muted: true });
    assert.deepEqual(contentOf(detail.value, 'value', 'text'), { parts: ['(null: this message has no value, a tombstone)'], count: 0, muted: true });
    assert.deepEqual(headerValueOf(detail.headers[0]!.value), { parts: ['(null)'], count: 0, muted: true });
    const text = detailOf(5, record({ value: Buffer.from(`{"a":"${RLO}"}`) }));
    const pretty = contentOf(text.value, 'value', 'pretty');
    assert.equal(pretty.count, 1);
    assert.equal(contentOf(text.value, 'value', 'hex').count, 0, 'the hex dump is ASCII');
    assert.match(detailNote(1), /^1 invisible or bidirectional character shown as \\uXXXX escape\. Copy and export keep the characters themselves/);
    assert.equal(detailNote(0), '');
  });
});

const summary: HistoryRowSummary = {
  id: '17', topic: 'orders', partition: 2, offset: '1042', key: `order${RLO}71`, keyKind: 'text', valueKind: 'json',
  valuePreview: `{"note": "${ZWSP}"}`, valueSize: 14, dataType: 'order', messageTimestamp: Date.UTC(2025, 2, 1, 12), consumedAt: Date.UTC(2025, 2, 1, 12, 5),
  processedAt: null, schema: { keySchemaId: null, valueSchemaId: null, error: null }, cursor: { timestamp: null, id: '17' },
};

describe('visible text in the message history', () => {
  it('labels a row with the escaped key, and a missing key (null)', () => {
    assert.equal(rowLabel(summary, 'UTC', false), '2/1042 · order\\u202E71 · 12:00:00.000');
    assert.equal(rowLabel({ ...summary, key: null }, 'UTC', false), '2/1042 · (null) · 12:00:00.000');
  });

  it('writes the tooltip with escapes and the note; missing key and value both (null)', () => {
    const tooltip = rowTooltip(summary, 'UTC');
    assert.match(tooltip, /Key: order\\u202E71\n/);
    assert.match(tooltip, /\{"note": "\\u200B"\}/);
    assert.match(tooltip, /2 invisible or bidirectional characters shown as \\uXXXX escapes\.$/);
    const missing = rowTooltip({ ...summary, key: null, valueKind: 'null', valuePreview: '(null)', valueSize: 0 }, 'UTC');
    assert.match(missing, /Key: \(null\)\n/);
    assert.match(missing, /Value: \(null\)\n/);
  });

  it('writes the row document with JSON escapes that parse back to the data', () => {
    const row: HistoryRow = {
      id: '17', topic: 'orders', partition: 2, offset: '1042', key: { kind: 'text', text: `k${RLO}` }, value: { kind: 'null' }, headers: [{ key: `h${ZWSP}`, value: 'v' }],
      dataType: 'order', messageTimestamp: null, consumedAt: Date.UTC(2025, 2, 1), consumerDagId: 'kafka_batch_consumer', consumerRunId: `manual${LRI}1${PDI}`,
      datasetUri: 'kafka://orders/order', processedAt: null, processedByDagId: null, processedByRunId: null, schema: { keySchemaId: null, valueSchemaId: null, error: null },
      cursor: { timestamp: null, id: '17' },
    };
    const text = rowDocument(row);
    assert.ok(!hasHiddenCharacters(text), 'no hidden character is left raw in the document');
    assert.match(text, /"key": "k\\u202e"/);
    const document = JSON.parse(text) as { key: string; value: null; headers: { key: string }[]; consumer: { runId: string } };
    assert.equal(document.key, `k${RLO}`);
    assert.equal(document.value, null);
    assert.equal(document.headers[0]?.key, `h${ZWSP}`);
    assert.equal(document.consumer.runId, `manual${LRI}1${PDI}`);
  });
});

describe('visible text in the Airflow trees and the trace', () => {
  const dag: Dag = {
    dagId: `etl${RLO}daily`, displayName: `etl${RLO}daily`, isPaused: false, isActive: true, tags: [], owners: [], schedule: null, nextRunAt: null, fileLoc: null, hasImportErrors: false,
  };
  const run: DagRun = { dagId: dag.dagId, runId: `manual${ZWSP}__1`, state: 'success', runType: 'manual', logicalDate: null, startDate: null, endDate: null, durationSeconds: null, conf: {} };
  const task: TaskInstance = { dagId: dag.dagId, runId: run.runId, taskId: `load${BOM}`, mapIndex: -1, state: 'success', tryNumber: 1, startDate: null, endDate: null, durationSeconds: null, operator: null };

  it('shows DAG ids, run ids and task ids with escapes and a note in their tooltips', () => {
    assert.match(dagTooltip(dag, null), /^etl\\u202Edaily\n/);
    assert.match(dagTooltip(dag, null), /1 invisible or bidirectional character shown as \\uXXXX escape\.$/);
    assert.match(runTooltip(run, 0), /^Run manual\\u200B__1 of etl\\u202Edaily\n[\s\S]*2 invisible or bidirectional characters/);
    assert.match(taskTooltip(task, 0), /^Task load\\uFEFF\n/);
    assert.equal(dagTooltip({ ...dag, dagId: 'plain', displayName: 'plain' }, null).includes('invisible'), false, 'no note without hidden characters');
  });

  it('shows dataset URIs and event sources with escapes and a note', () => {
    const dataset: Dataset = { id: 1, uri: `kafka://orders${RLO}/x`, name: `kafka://orders${RLO}/x`, extra: {}, producingTasks: [], consumingDags: [dag.dagId], createdAt: null, updatedAt: null };
    assert.match(datasetTooltip(dataset), /^kafka:\/\/orders\\u202E\/x\n[\s\S]*Consumed by: etl\\u202Edaily[\s\S]*2 invisible or bidirectional characters/);
    const event: DatasetEvent = { id: 5, datasetId: 1, uri: dataset.uri, extra: {}, timestamp: '2025-03-01T12:00:00Z', sourceDagId: dag.dagId, sourceTaskId: null, sourceRunId: run.runId, sourceMapIndex: null, createdRuns: [] };
    assert.match(eventTooltip(event), /^Event #5 on kafka:\/\/orders\\u202E\/x\n[\s\S]*Source: etl\\u202Edaily \/ manual\\u200B__1/);
  });

  it('gives the trace view a note when its ids hold hidden characters, none otherwise', () => {
    const trace: MessageTrace = {
      coordinates: { topic: 'orders', partition: 0, offset: '1' },
      active: false,
      steps: [{ kind: 'consumed', status: 'done', title: 'Consumed', detail: `by ${dag.dagId} run ${run.runId}`, at: null, durationMs: null, links: [{ kind: 'run', dagId: dag.dagId, runId: run.runId }] }],
    };
    const view = messageTraceView(trace, false);
    assert.equal(view.steps[0]?.detail, `by ${dag.dagId} run ${run.runId}`, 'the texts stay as they are; the webview styles the escapes');
    assert.equal(view.note, '4 invisible or bidirectional characters shown as \\uXXXX escapes. The names themselves are unchanged.');
    assert.equal(messageTraceView({ ...trace, steps: [] }, false).note, null);
  });
});

describe('searching for hidden characters in the inspector', () => {
  const values = [
    `invoice${RLO}fdp.exe`, // the character itself
    '{"name": "invoice\\u202efdp.exe"}', // JSON from Python: the escape as six characters
    'invoice-fdp.exe', // neither
    `Élan${RLO}`, // a non-ASCII letter with case before it
    // Enough other rows that a narrow search is refined from its previous matches (under 1/8 of the rows).
    ...Array.from({ length: 40 }, (_, i) => `filler ${i}`),
  ];
  const rows: KafkaRecord[] = values.map((text, i) => ({
    topic: 't', partition: 0, offset: String(i), timestamp: i, key: null, value: Buffer.from(text), headers: [], size: Buffer.byteLength(text),
  }));
  const buffer = new MessageBuffer({ maxRecords: 100, maxBytes: 1_000_000 });
  buffer.append(rows);
  const found = (text: string): string[] => {
    buffer.setFilter({ text });
    const inBuffer = buffer.view(0, 100).map((r) => r.record.offset);
    const predicate = compileFilter({ text });
    assert.deepEqual(rows.filter(predicate).map((r) => r.offset), inBuffer, `the byte scan and the record predicate agree on ${JSON.stringify(text)}`);
    return inBuffer;
  };

  it('finds the character when it is pasted, and only there', () => {
    assert.deepEqual(found(RLO), ['0', '3']);
    assert.deepEqual(found(`e${RLO}f`), ['0']);
  });

  it('finds the character and the typed escape when the escape is typed as shown, in any case', () => {
    assert.deepEqual(found('\\u202E'), ['0', '1', '3']);
    assert.deepEqual(found('invoice\\u202efdp'), ['0', '1']);
    assert.deepEqual(found('élan\\u202E'), ['3'], 'a non-ASCII letter is folded on the decoded text');
  });

  it('does not narrow a growing query past the character (no refinement from a partial escape)', () => {
    assert.deepEqual(found('\\u202'), ['1']);
    assert.deepEqual(found('\\u202E'), ['0', '1', '3']);
  });

  it('reads an escape of an ordinary character as text', () => {
    assert.deepEqual(found('\\u0041'), []);
  });
});
