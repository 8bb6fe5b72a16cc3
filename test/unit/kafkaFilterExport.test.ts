import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { csvChunks, csvField, exportRecord, jsonChunks, recordsToCsv, recordsToJson } from '../../src/kafka/export';
import { writeChunks } from '../../src/kafka/exportFile';
import { CancelledError } from '../../src/shared/errors';
import { compileFilter, compileSearchPattern } from '../../src/kafka/recordFilter';
import type { KafkaRecord } from '../../src/kafka/types';
import { WorkbenchError } from '../../src/shared/errors';

function record(partition: number, offset: number, value: Buffer | string | null, extra: Partial<KafkaRecord> = {}): KafkaRecord {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  return { topic: 'orders', partition, offset: String(offset), timestamp: Date.UTC(2025, 0, 1, 0, 0, offset), key: null, value: v, headers: [], size: v?.length ?? 0, ...extra };
}

const rows: KafkaRecord[] = [
  record(0, 0, '{"customer":"Ada Lovelace","total":12.5}', { key: Buffer.from('order:1') }),
  record(1, 1, 'plain text, with "quotes"\nand a line break'),
  record(2, 2, Buffer.from([0xff, 0x00, 0x41]), { headers: [{ key: 'trace', value: Buffer.from('ABC-123') }, { key: 'bin', value: Buffer.from([0xfe]) }] }),
  record(0, 3, null, { key: Buffer.from('tombstone') }),
];

describe('inspector filters', () => {
  it('finds text in keys, values and headers, ignoring case', () => {
    const ofs = (f: Parameters<typeof compileFilter>[0]) => rows.filter(compileFilter(f)).map((r) => r.offset);
    assert.deepEqual(ofs({ text: 'ada lovelace' }), ['0']);
    assert.deepEqual(ofs({ text: 'ORDER:1' }), ['0']);
    assert.deepEqual(ofs({ text: 'abc-1' }), ['2']);
    assert.deepEqual(ofs({ text: 'trace=' }), ['2']);
    assert.deepEqual(ofs({ text: 'TOMBSTONE' }), ['3']);
    assert.deepEqual(ofs({ text: 'nowhere' }), []);
  });

  it('matches case exactly when asked', () => {
    const ofs = (text: string) => rows.filter(compileFilter({ text, caseSensitive: true })).map((r) => r.offset);
    assert.deepEqual(ofs('Ada'), ['0']);
    assert.deepEqual(ofs('ada'), []);
    assert.deepEqual(ofs('ABC-123'), ['2']);
  });

  it('searches with a regular expression and explains a bad one', () => {
    assert.deepEqual(rows.filter(compileFilter({ text: '"total":\\s*1\\d\\.', regex: true })).map((r) => r.offset), ['0']);
    assert.throws(() => compileSearchPattern('order(['), (e: unknown) => e instanceof WorkbenchError && /The search pattern \/order\(\[\/ is not a valid regular expression/.test(e.message) && /turn off regular expressions/.test(e.message));
  });

  it('filters by partition, offset range and time range', () => {
    assert.deepEqual(rows.filter(compileFilter({ partitions: [0] })).map((r) => r.offset), ['0', '3']);
    assert.deepEqual(rows.filter(compileFilter({ fromOffset: '1', toOffset: '2' })).map((r) => r.offset), ['1', '2']);
    assert.deepEqual(rows.filter(compileFilter({ fromTime: Date.UTC(2025, 0, 1, 0, 0, 2) })).map((r) => r.offset), ['2', '3']);
    assert.deepEqual(rows.filter(compileFilter({ partitions: [0, 2], text: 'a' })).map((r) => r.offset), ['0', '2']);
    assert.throws(() => compileFilter({ fromOffset: 'ten' }), /not a whole number/);
    assert.throws(() => compileFilter({ fromOffset: '5', toOffset: '2' }), /range 5–2 is empty/);
  });

  it('lets everything through with an empty filter', () => {
    assert.equal(rows.filter(compileFilter({ text: '', partitions: [] })).length, 4);
    assert.equal(rows.filter(compileFilter(undefined)).length, 4);
  });
});

describe('export', () => {
  it('exports JSON values parsed, text as text and other bytes as base64, each with its encoding', () => {
    const [json, text, binary, tombstone] = rows.map(exportRecord);
    assert.ok(json && text && binary && tombstone);
    assert.deepEqual(json.value, { customer: 'Ada Lovelace', total: 12.5 });
    assert.equal(json.valueEncoding, 'json');
    assert.equal(json.key, 'order:1');
    assert.equal(json.keyEncoding, 'text');
    assert.equal(json.timestamp, '2025-01-01T00:00:00.000Z');
    assert.equal(text.valueEncoding, 'text');
    assert.equal(binary.value, Buffer.from([0xff, 0x00, 0x41]).toString('base64'));
    assert.equal(binary.valueEncoding, 'base64');
    assert.deepEqual(binary.headers, [{ key: 'trace', value: 'ABC-123', encoding: 'text' }, { key: 'bin', value: '/g==', encoding: 'base64' }]);
    assert.equal(tombstone.value, null);
    assert.equal(tombstone.valueEncoding, 'null');
    const parsed = JSON.parse(recordsToJson(rows)) as unknown[];
    assert.equal(parsed.length, 4);
  });

  it('writes RFC 4180 CSV with a header row', () => {
    const csv = recordsToCsv(rows);
    const lines = csv.split('\r\n');
    assert.equal(lines[0], 'topic,partition,offset,timestamp,key,key_encoding,value,value_encoding,headers,size');
    assert.equal(lines[1], 'orders,0,0,2025-01-01T00:00:00.000Z,order:1,text,"{""customer"":""Ada Lovelace"",""total"":12.5}",json,,40');
    assert.ok(csv.includes('"plain text, with ""quotes""\nand a line break"'));
    assert.ok(csv.endsWith('\r\n'));
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('x\ry'), '"x\ry"');
  });

  it('streams the same JSON and CSV in chunks of about the size asked for', () => {
    // As JSON.stringify(rows, null, 2) writes the whole array at once.
    assert.equal(recordsToJson(rows), `${JSON.stringify(rows.map(exportRecord), null, 2)}\n`);
    assert.equal(recordsToJson([]), '[]\n');
    const many = Array.from({ length: 200 }, (_, i) => rows[i % rows.length] as KafkaRecord);
    for (const [chunks, whole] of [[jsonChunks(many, 2000), recordsToJson(many)], [csvChunks(many, 2000), recordsToCsv(many)]] as const) {
      const list = [...chunks];
      assert.ok(list.length > 5, `${list.length} chunks`);
      // A chunk ends after the record that took it past the size: never much more.
      for (const chunk of list) assert.ok(chunk.length < 2000 + 600, `a chunk of ${chunk.length} characters`);
      assert.equal(list.join(''), whole);
    }
  });

  it('writes the chunks to a file, and removes the partial file when cancelled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kaw-export-'));
    try {
      const file = path.join(dir, 'orders.csv');
      const many = Array.from({ length: 500 }, (_, i) => rows[i % rows.length] as KafkaRecord);
      const progress: number[] = [];
      const bytes = await writeChunks(file, csvChunks(many, 4096), { onProgress: (p) => { progress.push(p.bytes); } });
      assert.equal(readFileSync(file, 'utf8'), recordsToCsv(many));
      assert.equal(bytes, Buffer.byteLength(recordsToCsv(many)));
      assert.ok(progress.length > 3 && progress.at(-1) === bytes);

      const cancelled = path.join(dir, 'cancelled.csv');
      const controller = new AbortController();
      await assert.rejects(writeChunks(cancelled, csvChunks(many, 4096), {
        signal: controller.signal,
        onProgress: () => { controller.abort(); },
      }), CancelledError);
      assert.equal(existsSync(cancelled), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
