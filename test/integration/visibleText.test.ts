/**
 * Messages a careful user would trip on, written by kcat to the native broker on
 * 127.0.0.1:9092 and read through the Message Inspector's host source as the panel reads
 * them: keys and values holding a right-to-left override (U+202E), isolates (U+2066/U+2069),
 * a zero-width space (U+200B) and NUL; a message without a key and a tombstone. The rows and
 * the detail the webview gets must show each hidden character as an escape with a note, and
 * a missing key as `(null)` exactly as a missing value; search finds the characters, typed
 * or as shown; export keeps null as null.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { recordsToJson, type ExportedRecord } from '../../src/kafka/export';
import { cellOf, contentOf, detailNote } from '../../src/shared/inspectorDisplay';
import { detailOf } from '../../src/panels/inspectorSource';
import type { KafkaInspectorSource } from '../../src/panels/kafkaInspectorSource';
import type { InspectorRow } from '../../src/shared/protocol';
import { kcatReadRaw, runKcat } from './kafkaTools';
import { LRI, NUL, PDI, reads, RLO, ZWSP } from '../support/hiddenCharacters';
import { InspectorSources, NATIVE_BROKER, nativeKafkaService, readTopic } from '../support/inspector';
import { removeTestTopics } from '../support/testTopics';

const topic = `wb-visible-${randomUUID().slice(0, 8)}`;
const service = nativeKafkaService();
const sources = new InspectorSources(service);

const KEY_SEP = '|~|';
const END = '~~END~~';
/** What kcat writes, in order, to partition 0: [key or null, value or null]. */
const MESSAGES: [string | null, string | null][] = [
  [`user${RLO}nimda`, `{"file":"invoice${RLO}fdp.exe","tag":"${LRI}x${PDI}"}`],
  [ZWSP, `zero${ZWSP}width`],
  [`k${NUL}nul`, `v${NUL}nul`],
  [null, 'no key here'],
  ['gone', null],
];

async function kcatProduce(input: string, extra: string[] = []): Promise<void> {
  const run = await runKcat(['-b', NATIVE_BROKER, '-P', '-t', topic, '-p', '0', '-K', KEY_SEP, '-D', END, ...extra], input);
  assert.equal(run.code, 0, `kcat -P failed: ${run.stderr}`);
}

describe('hidden characters and missing keys written by kcat, as the inspector shows them', () => {
  let rows: InspectorRow[] = [];
  let s: KafkaInspectorSource;

  before(async () => {
    await service.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
  });

  after(async () => {
    sources.dispose();
    await removeTestTopics(service, [topic]);
    await service.dispose();
  });

  it('writes the messages with kcat, which reads back exactly those bytes', async () => {
    // A message without the key separator has no key; -Z sends an empty value as null (a tombstone).
    const plain = MESSAGES.filter(([, value]) => value !== null).map(([key, value]) => `${key === null ? '' : `${key}${KEY_SEP}`}${value ?? ''}${END}`).join('');
    await kcatProduce(plain);
    await kcatProduce(MESSAGES.filter(([, value]) => value === null).map(([key]) => `${key ?? ''}${KEY_SEP}${END}`).join(''), ['-Z']);
    const read = await kcatReadRaw(['-b', NATIVE_BROKER], topic);
    assert.deepEqual(read.map((r) => [r.key?.toString('utf8') ?? null, r.value?.toString('utf8') ?? null]), MESSAGES);
  });

  it('gives the webview rows whose cells show each hidden character as an escape, and (null) for both a missing key and a missing value', async () => {
    s = sources.open(topic);
    const status = await readTopic(s, { maxMessages: 100 });
    assert.equal(status.loaded, MESSAGES.length);
    rows = s.rows(0, 100).rows;
    const [bidi, zeroWidth, nul, noKey, tombstone] = rows;
    assert.ok(bidi && zeroWidth && nul && noKey && tombstone);

    const bidiKey = cellOf(bidi, 'key');
    assert.equal(reads(bidiKey), 'user\\u202Enimda', 'the override shows as an escape, so the key does not read "useradmin" reversed');
    assert.equal(bidiKey.count, 1);
    assert.match(bidiKey.tooltip, /^user\\u202Enimda\n\n1 invisible or bidirectional character shown as \\uXXXX escape\.$/);
    assert.equal(reads(cellOf(bidi, 'value')), '{"file":"invoice\\u202Efdp.exe","tag":"\\u2066x\\u2069"}');
    assert.equal(cellOf(bidi, 'value').count, 3);

    assert.equal(reads(cellOf(zeroWidth, 'key')), '\\u200B', 'a key of one zero-width space is not a blank cell');
    assert.equal(reads(cellOf(zeroWidth, 'value')), 'zero\\u200Bwidth');

    // NUL makes the bytes binary: the cell shows them as hex, where the 00 is plain to see.
    assert.equal(nul.keyKind, 'binary');
    assert.match(reads(cellOf(nul, 'key')), /^0x 6b 00 6e 75 6c \(5 bytes\)$/);
    assert.match(reads(cellOf(nul, 'value')), /^0x 76 00 6e 75 6c \(5 bytes\)$/);

    const missingKey = cellOf(noKey, 'key');
    const missingValue = cellOf(tombstone, 'value');
    assert.deepEqual(missingKey, { parts: ['(null)'], count: 0, muted: true, tooltip: '(null)' });
    assert.deepEqual(missingValue, missingKey, 'a missing key reads exactly as a missing value');
    assert.deepEqual([noKey.keyKind, tombstone.valueKind], ['null', 'null'], 'both get the muted style of kind null');
    assert.equal(reads(cellOf(tombstone, 'key')), 'gone');
  });

  it('shows the escapes in the detail pane with a note, and words a missing key as a missing value', () => {
    const [bidi, , nul, noKey, tombstone] = rows;
    assert.ok(bidi && nul && noKey && tombstone);
    const detail = detailOf(bidi.id, s.record(bidi.id)!);
    const pretty = contentOf(detail.value, 'value', 'pretty');
    assert.equal(reads(pretty), '{\n  "file": "invoice\\u202Efdp.exe",\n  "tag": "\\u2066x\\u2069"\n}');
    assert.equal(reads(contentOf(detail.key, 'key', 'text')), 'user\\u202Enimda');
    assert.match(detailNote(pretty.count), /^3 invisible or bidirectional characters shown as \\uXXXX escapes\./);
    assert.equal(detail.value.text, MESSAGES[0]?.[1], 'the detail still carries the characters themselves (copy and export use them)');

    assert.match(detailOf(nul.id, s.record(nul.id)!).key.hex, /6b 00 6e 75 6c/);

    const keyless = contentOf(detailOf(noKey.id, s.record(noKey.id)!).key, 'key', 'text');
    const valueless = contentOf(detailOf(tombstone.id, s.record(tombstone.id)!).value, 'value', 'text');
    assert.deepEqual(keyless, { parts: ['(null: this message has no key)'], count: 0, muted: true });
    assert.deepEqual(valueless, { parts: ['(null: this message has no value, a tombstone)'], count: 0, muted: true });
  });

  it('finds the characters pasted or typed as shown, and exports null as null', () => {
    const keys = (): string[] => s.rows(0, 100).rows.map((r) => r.key);
    assert.equal(s.setFilter({ text: RLO, partitions: [] }).matched, 1);
    assert.deepEqual(keys(), [`user${RLO}nimda`]);
    assert.equal(s.setFilter({ text: '\\u202e', partitions: [] }).matched, 1, 'the escape as the inspector shows it finds the override');
    assert.equal(s.setFilter({ text: 'zero\\u200Bwidth', partitions: [] }).matched, 1);
    assert.equal(s.setFilter({ text: '', partitions: [] }).matched, MESSAGES.length);

    const exported = JSON.parse(recordsToJson(s.records('filtered'))) as ExportedRecord[];
    assert.deepEqual(exported.map((r) => [r.key, r.keyEncoding]).slice(3), [[null, 'null'], ['gone', 'text']]);
    assert.deepEqual([exported[4]?.value, exported[4]?.valueEncoding], [null, 'null']);
    assert.equal(exported[0]?.key, `user${RLO}nimda`, 'the export holds the characters, not escapes');
  });
});
