// The read side of record batches and Fetch answers, and the inspector buffer fed from them:
// batches written by our encoder (checked against kafkajs's decoder in kafkaRecordBatch.test.ts)
// walked back record by record, a Fetch answer laid out byte by byte as the protocol guide
// gives it, answers received from socket chunks cut anywhere into reused buffers, and the
// buffer's two answers to "full": keep the newest, or stop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compressorFor, registerKafkajsCodecs } from '../../src/kafka/compression';
import { AnswerReceiver, decodeFetchAnswer, type ReceivingConnection } from '../../src/kafka/kafkajsInternals';
import { MessageBuffer, ROW_OVERHEAD_BYTES } from '../../src/kafka/messageBuffer';
import {
  batchCodec, batchNextOffset, encodeCompressedRecordBatch, encodeRecordBatch, HeaderCursor, isAbortMarker, isControlBatch, isTransactionalBatch,
  readFetchedBatch, RecordCursor, type BatchRecord, type FetchedBatch,
} from '../../src/kafka/recordBatch';
import type { KafkaRecord } from '../../src/kafka/types';

const records: BatchRecord[] = [
  { key: 'order:1', value: '{"id":1}', headers: [['source', 'workbench'], ['bin', Buffer.from([0, 255])]], timestamp: 1_700_000_000_000 },
  { key: null, value: Buffer.from([0xff, 0xfe, 0x00]), headers: [], timestamp: 1_700_000_000_250 },
  { key: 'ключ', value: null, headers: [['data_type', 'order'], ['data_type', '']], timestamp: 1_699_999_999_000 },
  { key: 'big', value: 'x'.repeat(70_000), headers: [], timestamp: 1_700_000_100_000 },
];

/** A batch as a broker stores it: our encoder's bytes with the base offset the broker gave. */
function atOffset(batch: Buffer, baseOffset: bigint): Buffer {
  batch.writeBigInt64BE(baseOffset, 0);
  return batch;
}

interface Walked {
  offset: string;
  timestamp: number;
  key: string | null;
  value: Buffer | null;
  headers: [string, string][];
}

/** Every record of the batches in `data`, as the cursors see them. */
function walk(data: Buffer): { batches: FetchedBatch[]; records: Walked[] } {
  const cursor = new RecordCursor();
  const headers = new HeaderCursor();
  const batches: FetchedBatch[] = [];
  const out: Walked[] = [];
  let at = 0;
  for (let batch = readFetchedBatch(data, at); batch; batch = readFetchedBatch(data, at)) {
    batches.push(batch);
    at = batch.end;
    // The reader decompresses a compressed batch's block first; these are not compressed.
    assert.equal(batchCodec(batch), 0);
    cursor.reset(batch, data, batch.recordsStart, batch.end);
    while (cursor.next()) {
      const h: [string, string][] = [];
      headers.reset(cursor);
      while (headers.next()) h.push([cursor.data.toString('utf8', headers.nameStart, headers.nameStart + headers.nameLength), headers.valueLength < 0 ? '(null)' : cursor.data.toString('latin1', headers.valueStart, headers.valueStart + headers.valueLength)]);
      out.push({
        offset: cursor.offset().toString(),
        timestamp: cursor.timestamp,
        key: cursor.keyLength < 0 ? null : cursor.data.toString('utf8', cursor.keyStart, cursor.keyStart + cursor.keyLength),
        value: cursor.valueLength < 0 ? null : Buffer.from(cursor.data.subarray(cursor.valueStart, cursor.valueStart + cursor.valueLength)),
        headers: h,
      });
    }
  }
  return { batches, records: out };
}

describe('walking fetched record batches', () => {
  it('gives back every record of our encoder\'s batches: offsets, timestamps, null and binary parts, repeated headers', () => {
    const data = Buffer.concat([atOffset(encodeRecordBatch(records), 40n), atOffset(encodeRecordBatch(records.slice(0, 2)), 44n)]);
    const { batches, records: walked } = walk(data);
    assert.equal(batches.length, 2);
    assert.equal(batchNextOffset(batches[0] as FetchedBatch), 44n);
    assert.equal(batchNextOffset(batches[1] as FetchedBatch), 46n);
    assert.deepEqual(walked.map((r) => r.offset), ['40', '41', '42', '43', '44', '45']);
    const [a, b, c, d] = walked;
    assert.ok(a && b && c && d);
    assert.equal(a.key, 'order:1');
    assert.equal(a.value?.toString(), '{"id":1}');
    assert.equal(a.timestamp, 1_700_000_000_000);
    assert.deepEqual(a.headers, [['source', 'workbench'], ['bin', '\u0000\u00ff']]);
    assert.equal(b.key, null);
    assert.deepEqual([...(b.value ?? [])], [0xff, 0xfe, 0x00]);
    assert.equal(b.timestamp, 1_700_000_000_250);
    assert.equal(c.key, 'ключ');
    assert.equal(c.value, null);
    assert.equal(c.timestamp, 1_699_999_999_000, 'a timestamp below the batch\'s first one (negative delta)');
    assert.deepEqual(c.headers, [['data_type', 'order'], ['data_type', '']]);
    assert.equal(d.value?.length, 70_000);
  });

  it('stops before a batch the answer cuts off, and reads offsets past 2^53 exactly', () => {
    const whole = atOffset(encodeRecordBatch(records.slice(0, 1)), 2n ** 60n);
    const cut = atOffset(encodeRecordBatch(records.slice(1, 2)), 2n ** 60n + 1n);
    const { batches, records: walked } = walk(Buffer.concat([whole, cut.subarray(0, cut.length - 3)]));
    assert.equal(batches.length, 1);
    assert.deepEqual(walked.map((r) => r.offset), [(2n ** 60n).toString()]);
    assert.equal(readFetchedBatch(Buffer.alloc(11), 0), undefined, 'fewer bytes than a batch length');
  });

  it('reads the codec of a compressed batch, whose records lie after the header as one block', async () => {
    registerKafkajsCodecs();
    const { codec, compress } = compressorFor('gzip');
    const batch = readFetchedBatch(await encodeCompressedRecordBatch(records, codec, compress), 0);
    assert.ok(batch);
    assert.equal(batchCodec(batch), 1);
    assert.equal(batch.recordCount, 4);
  });

  it('tells transactional and control batches, and an abort marker from a commit marker', () => {
    const control = (type: number): Buffer => {
      const key = Buffer.alloc(4);
      key.writeInt16BE(0, 0);
      key.writeInt16BE(type, 2);
      const batch = encodeRecordBatch([{ key, value: Buffer.alloc(6), headers: [], timestamp: 1 }], { producerId: 7n, producerEpoch: 0, baseSequence: -1 });
      batch.writeInt16BE(0x30, 21); // transactional | control
      return batch;
    };
    for (const [type, abort] of [[0, true], [1, false]] as const) {
      const batch = readFetchedBatch(control(type), 0);
      assert.ok(batch && isControlBatch(batch) && isTransactionalBatch(batch));
      assert.equal(batch.producerId, 7n);
      const cursor = new RecordCursor();
      cursor.reset(batch, control(type), batch.recordsStart, batch.end);
      assert.ok(cursor.next());
      assert.equal(isAbortMarker(cursor), abort);
    }
  });

  it('refuses bytes that are not a record instead of reading past them', () => {
    const batch = encodeRecordBatch(records.slice(0, 1));
    const header = readFetchedBatch(batch, 0);
    assert.ok(header);
    batch[header.recordsStart] = 0x7e; // a record length far past the batch's end
    const cursor = new RecordCursor();
    cursor.reset(header, batch, header.recordsStart, header.end);
    assert.throws(() => cursor.next(), /runs past the end of its batch/);
  });
});

/** A Fetch answer of `version` with one topic and the given partitions, laid out as the protocol guide says. */
function fetchAnswer(version: number, partitions: { partition: number; error: number; high: bigint; aborted: [bigint, bigint][]; records: Buffer | null }[]): Buffer {
  const parts: Buffer[] = [];
  const int16 = (v: number): void => { const b = Buffer.alloc(2); b.writeInt16BE(v); parts.push(b); };
  const int32 = (v: number): void => { const b = Buffer.alloc(4); b.writeInt32BE(v); parts.push(b); };
  const int64 = (v: bigint): void => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); parts.push(b); };
  int32(0); // throttle
  if (version >= 7) {
    int16(0);
    int32(0); // session id
  }
  int32(1);
  int16(6);
  parts.push(Buffer.from('orders'));
  int32(partitions.length);
  for (const p of partitions) {
    int32(p.partition);
    int16(p.error);
    int64(p.high);
    int64(p.high); // last stable offset
    if (version >= 5) int64(0n);
    int32(p.aborted.length);
    for (const [producer, first] of p.aborted) {
      int64(producer);
      int64(first);
    }
    if (version >= 11) int32(-1);
    if (p.records === null) int32(-1);
    else {
      int32(p.records.length);
      parts.push(p.records);
    }
  }
  return Buffer.concat(parts);
}

describe('decoding a Fetch answer down to record sets', () => {
  for (const version of [4, 5, 7, 11]) {
    it(`reads v${version}: partitions, error codes, high watermarks, aborted transactions in offset order, record sets as views`, () => {
      const batch = encodeRecordBatch(records.slice(0, 2));
      const raw = fetchAnswer(version, [
        { partition: 2, error: 0, high: 99n, aborted: [[5n, 30n], [4n, 10n]], records: batch },
        { partition: 0, error: 1, high: -1n, aborted: [], records: null },
      ]);
      const answer = decodeFetchAnswer(raw, version);
      assert.equal(answer.errorCode, 0);
      const topic = answer.responses[0];
      assert.ok(topic);
      assert.equal(topic.topicName, 'orders');
      const [two, zero] = topic.partitions;
      assert.ok(two && zero);
      assert.equal(two.partition, 2);
      assert.equal(two.highWatermark, 99n);
      assert.deepEqual(two.abortedTransactions, [{ producerId: 4n, firstOffset: 10n }, { producerId: 5n, firstOffset: 30n }]);
      assert.ok(two.records.equals(batch));
      assert.equal(two.records.buffer, raw.buffer, 'a view of the answer, not a copy');
      assert.equal(zero.errorCode, 1);
      assert.equal(zero.records.length, 0);
    });
  }

  it('refuses an answer that ends inside a record set', () => {
    const raw = fetchAnswer(11, [{ partition: 0, error: 0, high: 1n, aborted: [], records: encodeRecordBatch(records.slice(0, 1)) }]);
    assert.throws(() => decodeFetchAnswer(raw.subarray(0, raw.length - 5), 11), /ends inside a record set/);
  });
});

/** KafkaRecords with 1,000-byte values. */
function kilobyteRecords(from: number, count: number): KafkaRecord[] {
  return Array.from({ length: count }, (_, k) => {
    const value = Buffer.alloc(1000, 0x61 + ((from + k) % 26));
    return { topic: 't', partition: 0, offset: String(from + k), timestamp: from + k, key: Buffer.from(`k${from + k}`), value, headers: [], size: value.length + `k${from + k}`.length };
  });
}

describe('the inspector buffer when it is full', () => {
  const rowBytes = (i: number): number => 1000 + `k${i}`.length + ROW_OVERHEAD_BYTES;

  it('keeps the newest rows by default, each intact after the read ends and its bytes are compacted', () => {
    const buffer = new MessageBuffer({ maxRecords: 100_000, maxBytes: 2 * 1024 * 1024 });
    for (let i = 0; i < 10_000; i += 500) buffer.append(kilobyteRecords(i, 500));
    buffer.sealAll();
    assert.ok(buffer.bytes <= 2 * 1024 * 1024);
    assert.equal(buffer.total, 10_000);
    assert.equal(buffer.evicted + buffer.size, 10_000);
    const held = [...buffer.viewRecords()];
    assert.equal(held.at(-1)?.offset, '9999');
    for (const record of held) {
      const i = Number(record.offset);
      assert.equal(record.key?.toString(), `k${i}`);
      assert.ok(record.value?.equals(Buffer.alloc(1000, 0x61 + (i % 26))), `row ${i} intact`);
    }
    assert.equal(buffer.setFilter({ text: 'k9998' }), 1, 'the search runs over the compacted slab');
  });

  it('with "stop", refuses the first row that does not fit and keeps the first rows', () => {
    const bound = rowBytes(0) * 3 + rowBytes(10) * 7;
    const buffer = new MessageBuffer({ maxRecords: 100_000, maxBytes: bound, whenFull: 'stop' });
    const result = buffer.append(kilobyteRecords(0, 25));
    assert.equal(result.added, 10);
    assert.equal(result.refused, 15);
    assert.equal(result.evicted, 0);
    assert.deepEqual([...buffer.viewRecords()].map((r) => r.offset), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(buffer.append(kilobyteRecords(25, 1)).refused, 1, 'and every row after it');
  });

  it('takes records straight from fetched batches, the same as KafkaRecords, and says no when full with "stop"', () => {
    const batch = readFetchedBatch(atOffset(encodeRecordBatch(records), 7n), 0);
    assert.ok(batch);
    const data = atOffset(encodeRecordBatch(records), 7n);
    const cursor = new RecordCursor();
    const headers = new HeaderCursor();
    const buffer = new MessageBuffer({ maxRecords: 10, maxBytes: 1_000_000 });
    const settled: number[] = [];
    const sink = buffer.sink('orders', (r) => settled.push(r.added));
    cursor.reset(batch, data, batch.recordsStart, batch.end);
    while (cursor.next()) assert.equal(sink.add(3, cursor, headers), true);
    sink.flush();
    assert.deepEqual(settled, [4]);
    const held = [...buffer.viewRecords()];
    assert.deepEqual(held.map((r) => [r.topic, r.partition, r.offset]), [['orders', 3, '7'], ['orders', 3, '8'], ['orders', 3, '9'], ['orders', 3, '10']]);
    const [first, , third] = held;
    assert.ok(first && third);
    assert.deepEqual(first.headers.map((h) => [h.key, h.value?.toString('latin1')]), [['source', 'workbench'], ['bin', '\u0000\u00ff']]);
    assert.equal(first.size, 'order:1'.length + '{"id":1}'.length + 'source'.length + 'workbench'.length + 'bin'.length + 2);
    assert.equal(third.key?.toString(), 'ключ');
    assert.equal(third.value, null);
    assert.equal(buffer.setFilter({ text: 'data_type=ORDER' }), 1);

    const small = new MessageBuffer({ maxRecords: 10, maxBytes: 300, whenFull: 'stop' });
    cursor.reset(batch, data, batch.recordsStart, batch.end);
    const taken: boolean[] = [];
    while (cursor.next()) taken.push(small.add('orders', 0, cursor, headers));
    assert.deepEqual(taken, [true, true, true, false], 'the 70,000-byte value does not fit');
  });
});

describe('receiving Fetch answers into reused buffers', () => {
  /** A kafkajs Connection as far as the receiver sees it; `fulfilled` collects the answers handed on. */
  function fakeConnection(): ReceivingConnection & { fulfilled: { correlationId: number; payload: Buffer }[]; kafkajsGot: Buffer[] } {
    const fulfilled: { correlationId: number; payload: Buffer }[] = [];
    const kafkajsGot: Buffer[] = [];
    return {
      socket: {}, authHandlers: null, chunks: [], bytesBuffered: 0, bytesNeeded: 4,
      requestQueue: { fulfillRequest: ({ correlationId, payload }) => { fulfilled.push({ correlationId, payload }); } },
      processData: (data) => { kafkajsGot.push(data); },
      fulfilled,
      kafkajsGot,
    };
  }

  /** An answer on the wire: size int32, correlation id int32, payload. */
  function answer(correlationId: number, payload: Buffer): Buffer {
    const head = Buffer.alloc(8);
    head.writeInt32BE(payload.length + 4, 0);
    head.writeInt32BE(correlationId, 4);
    return Buffer.concat([head, payload]);
  }

  it('puts answers together from chunks cut anywhere, the size field included, and reuses a released buffer', () => {
    const connection = fakeConnection();
    const receiver = new AnswerReceiver(connection, (data) => { connection.kafkajsGot.push(data); });
    const big = Buffer.alloc(200_000, 0x62);
    const wire = Buffer.concat([answer(1, Buffer.from('small')), answer(2, big), answer(3, big)]);
    // The socket's reads come as views of one reused buffer: each chunk is overwritten after it is handed on.
    const reused = Buffer.alloc(7);
    for (let at = 0; at < wire.length; at += 7) {
      const n = wire.copy(reused, 0, at, Math.min(at + 7, wire.length));
      receiver.receive(reused.subarray(0, n));
      reused.fill(0xee);
    }
    assert.deepEqual(connection.fulfilled.map((f) => f.correlationId), [1, 2, 3]);
    assert.equal(connection.fulfilled[0]?.payload.toString(), 'small');
    const [, second, third] = connection.fulfilled;
    assert.ok(second && third);
    assert.ok(second.payload.equals(big) && third.payload.equals(big));
    assert.notEqual(second.payload.buffer, third.payload.buffer, 'an answer still looked at is not overwritten');
    receiver.release(second.payload);
    receiver.receive(answer(4, big));
    assert.equal(connection.fulfilled[3]?.payload.buffer, second.payload.buffer, 'the released buffer takes the next large answer');
    assert.deepEqual(connection.kafkajsGot, []);
  });

  it('leaves authentication answers and a reconnected socket\'s start to kafkajs and to a fresh start', () => {
    const connection = fakeConnection();
    const receiver = new AnswerReceiver(connection, (data) => { connection.kafkajsGot.push(data); });
    connection.authHandlers = {};
    const auth = Buffer.from([0, 0, 0, 1, 9]);
    receiver.receive(auth);
    assert.deepEqual(connection.kafkajsGot, [auth], 'kafkajs gets the authentication bytes (a copy)');
    connection.authHandlers = null;
    const cut = answer(5, Buffer.from('lost'));
    receiver.receive(cut.subarray(0, 6));
    connection.socket = {}; // reconnected: the half answer on the old socket is gone
    receiver.receive(answer(6, Buffer.from('new')));
    assert.deepEqual(connection.fulfilled.map((f) => [f.correlationId, f.payload.toString()]), [[6, 'new']]);
  });
});
