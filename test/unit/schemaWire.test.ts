import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frame, hexOf, mayBeWireFormat, parseMessageIndexes, parseWireHeader, protobufRanges, wirePrefix } from '../../src/schemas/wire';
import { subjectFor } from '../../src/schemas/serdes';
import { WireBook, type WireRow } from '../../src/schemas/wireRecords';

describe('the Confluent wire format', () => {
  it('reads the magic byte and the big-endian schema id, and marks each part', () => {
    const bytes = Buffer.from([0, 0, 0, 1, 2, 0xaa, 0xbb]);
    const parsed = parseWireHeader(bytes);
    assert.ok(parsed.ok);
    assert.equal(parsed.schemaId, 258);
    assert.deepEqual(parsed.ranges.map((r) => [r.part, r.from, r.to]), [['magic', 0, 1], ['schemaId', 1, 5], ['payload', 5, 7]]);
    assert.equal(parsed.ranges[1]?.label, 'schema id 258');
  });

  it('reads a schema id above 2^31 as unsigned', () => {
    const parsed = parseWireHeader(Buffer.from([0, 0xff, 0xff, 0xff, 0xfe]));
    assert.ok(parsed.ok);
    assert.equal(parsed.schemaId, 4294967294);
  });

  it('says why bytes are not in the format: another magic byte, too short, empty', () => {
    const json = parseWireHeader(Buffer.from('{"a":1}'));
    assert.equal(json.ok, false);
    assert.match((json as { reason: string }).reason, /first byte is 0x7b, not the magic byte 0x00/);
    const short = parseWireHeader(Buffer.from([0, 0, 1]));
    assert.match((short as { reason: string }).reason, /Truncated: 3 bytes, but the wire format needs at least 5/);
    assert.match((parseWireHeader(Buffer.alloc(0)) as { reason: string }).reason, /empty/);
    assert.equal(mayBeWireFormat(Buffer.from([0, 0, 0, 0])), false);
    assert.equal(mayBeWireFormat(Buffer.from([0, 0, 0, 0, 1])), true);
    assert.equal(mayBeWireFormat(null), false);
  });

  it('reads Protobuf message indexes, the single byte 0 standing for [0]', () => {
    const first = parseMessageIndexes(Buffer.from([0, 0, 0, 0, 1, 0, 0x0a]));
    assert.ok(first.ok);
    assert.deepEqual(first.indexes, [0]);
    assert.equal(first.payloadStart, 6);
    // [1, 0]: count 2 (zig-zag 4), 1 (zig-zag 2), 0
    const nested = parseMessageIndexes(Buffer.from([0, 0, 0, 0, 1, 4, 2, 0, 0x0a]));
    assert.ok(nested.ok);
    assert.deepEqual(nested.indexes, [1, 0]);
    assert.equal(nested.payloadStart, 8);
    const header = parseWireHeader(Buffer.from([0, 0, 0, 0, 1, 4, 2, 0, 0x0a]));
    assert.ok(header.ok);
    assert.deepEqual(protobufRanges(header, nested, 9).map((r) => [r.part, r.from, r.to]), [['magic', 0, 1], ['schemaId', 1, 5], ['indexes', 5, 8], ['payload', 8, 9]]);
  });

  it('refuses indexes that are truncated or impossible, with a reason', () => {
    const truncated = parseMessageIndexes(Buffer.from([0, 0, 0, 0, 1, 4, 2]));
    assert.match((truncated as { reason: string }).reason, /Truncated: the Protobuf message indexes end/);
    const negative = parseMessageIndexes(Buffer.from([0, 0, 0, 0, 1, 1]));
    assert.match((negative as { reason: string }).reason, /count reads -1: these bytes are not a Protobuf message/);
    const huge = parseMessageIndexes(Buffer.from([0, 0, 0, 0, 1, 0xfe, 0x01]));
    assert.match((huge as { reason: string }).reason, /count reads 127/);
  });

  it('writes the prefix back: [0] as one byte, other indexes as a zig-zag list', () => {
    assert.deepEqual([...wirePrefix(7)], [0, 0, 0, 0, 7]);
    assert.deepEqual([...wirePrefix(7, [0])], [0, 0, 0, 0, 7, 0]);
    assert.deepEqual([...wirePrefix(7, [1, 0])], [0, 0, 0, 0, 7, 4, 2, 0]);
    assert.deepEqual([...wirePrefix(300, [70])], [0, 0, 0, 1, 44, 2, 0x8c, 0x01]);
    const framed = frame(9, Buffer.from([1, 2]), [3]);
    const indexes = parseMessageIndexes(framed);
    assert.ok(indexes.ok);
    assert.deepEqual(indexes.indexes, [3]);
    assert.deepEqual([...framed.subarray(indexes.payloadStart)], [1, 2]);
  });

  it('frames a payload behind the same prefix wirePrefix writes, for Avro and JSON (no indexes) and for Protobuf', () => {
    const payload = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    for (const id of [0, 7, 300, 0x7fffffff, 0xfffffffe]) {
      for (const indexes of [undefined, [0], [1, 0], [70]]) {
        assert.deepEqual([...frame(id, payload, indexes)], [...wirePrefix(id, indexes), ...payload], `id ${id}, indexes ${JSON.stringify(indexes)}`);
      }
    }
    const header = parseWireHeader(frame(0x01020304, payload));
    assert.ok(header.ok);
    assert.equal(header.schemaId, 0x01020304);
  });

  it('writes the bytes of a part as hex, long parts cut and counted', () => {
    assert.equal(hexOf(Buffer.from([0, 0xab, 0x10]), 0, 3), '00 ab 10');
    assert.equal(hexOf(Buffer.alloc(10), 0, 10, 4), '00 00 00 00 … (6 more bytes)');
  });
});

describe('the subject named for a schema id registered under several subjects', () => {
  const registered = [
    { subject: 'copy-of-orders-value', version: 3 },
    { subject: 'shop.Order', version: 1 },
    { subject: 'orders-shop.Order', version: 2 },
    { subject: 'orders-value', version: 7 },
    { subject: 'orders-key', version: 1 },
  ];

  it('follows TopicNameStrategy first: <topic>-value for a value, <topic>-key for a key', () => {
    assert.deepEqual(subjectFor(registered, 'orders', 'value'), { subject: 'orders-value', version: 7 });
    assert.deepEqual(subjectFor(registered, 'orders', 'key'), { subject: 'orders-key', version: 1 });
  });

  it('then TopicRecordNameStrategy (<topic>-<record>), then RecordNameStrategy (the record name), then the registry\'s first', () => {
    const withoutTopicName = registered.filter((s) => s.subject !== 'orders-value' && s.subject !== 'orders-key');
    assert.deepEqual(subjectFor(withoutTopicName, 'orders', 'value'), { subject: 'orders-shop.Order', version: 2 });
    assert.deepEqual(subjectFor(withoutTopicName, 'payments', 'value'), { subject: 'shop.Order', version: 1 });
    assert.deepEqual(subjectFor([{ subject: 'a-value', version: 1 }, { subject: 'b-value', version: 2 }], 'c', 'value'), { subject: 'a-value', version: 1 });
    assert.equal(subjectFor([], 'orders', 'value'), undefined);
  });
});

describe('the wire-format facts of the rows read (WireBook)', () => {
  const row = (id: number): WireRow => ({ value: { schemaId: id, ranges: [], raw: Buffer.from([0, 0, 0, 0, id]) } });

  it('finds each row by partition and offset, in order, out of order, after a gap, rewritten, and past 2^53', () => {
    const book = new WireBook();
    for (let offset = 1000; offset < 1100; offset++) book.set(0, String(offset), row(offset % 7));
    book.set(1, '5', row(1));
    book.set(0, '999', row(2));
    book.set(0, '5000', row(3));
    book.set(0, '1100', row(4));
    book.set(0, '1050', row(5));
    book.set(0, '99999999999999999999', row(6));
    assert.equal(book.size, 105, 'a rewritten offset counts once');
    assert.equal(book.get(0, '1000')?.value?.schemaId, 1000 % 7);
    assert.equal(book.get(0, '1099')?.value?.schemaId, 1099 % 7);
    assert.equal(book.get(0, '1050')?.value?.schemaId, 5);
    assert.equal(book.get(0, '999')?.value?.schemaId, 2);
    assert.equal(book.get(0, '5000')?.value?.schemaId, 3);
    assert.equal(book.get(0, '1100')?.value?.schemaId, 4);
    assert.equal(book.get(0, '99999999999999999999')?.value?.schemaId, 6);
    assert.equal(book.get(1, '5')?.value?.schemaId, 1);
    assert.equal(book.get(1, '1000'), undefined, 'another partition');
    assert.equal(book.get(0, '1101'), undefined);
    assert.equal(book.get(0, '4999'), undefined);
    assert.equal(book.get(2, '0'), undefined);
    book.clear();
    assert.equal(book.size, 0);
    assert.equal(book.get(0, '1000'), undefined);
  });
});
