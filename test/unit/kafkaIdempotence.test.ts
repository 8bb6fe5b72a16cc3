// The idempotent producer's pure parts: producer id, epoch and base sequence in the encoded
// batch (read back by kafkajs's own decoder, CRC checked by kafkajs's CRC-32C), restamping,
// sequence bookkeeping per partition, and what each Produce answer means for a batch.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { compressorFor, registerKafkajsCodecs } from '../../src/kafka/compression';
import { MAX_PRODUCER_EPOCH, PartitionSequences, produceVerdict, retryBackoffMs, type SequencedBatch } from '../../src/kafka/idempotence';
import { protocolError } from '../../src/kafka/kafkajsInternals';
import { idempotenceOf } from '../../src/kafka/producer';
import { encodeCompressedRecordBatch, encodeRecordBatch, incrementSequence, readBatchProducer, stampRecordBatch, type BatchRecord } from '../../src/kafka/recordBatch';
import { WorkbenchError } from '../../src/shared/errors';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: { key: Buffer | null; value: Buffer | null }[];
}>;
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;

const records: BatchRecord[] = [
  { key: 'order:1', value: '{"id":1}', headers: [['source', 'workbench']], timestamp: 1_700_000_000_000 },
  { key: 'order:2', value: '{"id":2}', headers: [], timestamp: 1_700_000_000_100 },
  { key: null, value: 'x'.repeat(3000), headers: [], timestamp: 1_700_000_000_200 },
];

const crcHolds = (batch: Buffer): boolean => batch.readUInt32BE(17) === kafkajsCrc32c(batch.subarray(21));

describe('producer fields of a record batch', () => {
  it('writes producer id, epoch and base sequence where Kafka reads them, with a CRC over them', async () => {
    const batch = encodeRecordBatch(records, { producerId: 4_000_000_123n, producerEpoch: 7, baseSequence: 41 });
    const decoded = await decodeBatch(new Decoder(batch));
    assert.equal(decoded.producerId, '4000000123');
    assert.equal(decoded.producerEpoch, 7);
    assert.equal(decoded.firstSequence, 41);
    assert.equal(decoded.inTransaction, false);
    assert.deepEqual(decoded.records.map((r) => r.key?.toString() ?? null), ['order:1', 'order:2', null]);
    assert.ok(crcHolds(batch));
  });

  it('writes -1 for all three without idempotence', async () => {
    const decoded = await decodeBatch(new Decoder(encodeRecordBatch(records)));
    assert.deepEqual([decoded.producerId, decoded.producerEpoch, decoded.firstSequence], ['-1', -1, -1]);
  });

  it('restamps a batch in place: new epoch and sequence, same records, CRC renewed', async () => {
    const batch = encodeRecordBatch(records, { producerId: 12n, producerEpoch: 0, baseSequence: 5 });
    const before = Buffer.from(batch);
    stampRecordBatch(batch, { producerId: 12n, producerEpoch: 1, baseSequence: 0 });
    assert.deepEqual(readBatchProducer(batch), { producerId: 12n, producerEpoch: 1, baseSequence: 0 });
    assert.ok(crcHolds(batch));
    assert.notEqual(batch.readUInt32BE(17), before.readUInt32BE(17), 'the CRC covers the producer fields');
    assert.deepEqual(batch.subarray(61), before.subarray(61), 'records untouched');
    assert.deepEqual(batch.subarray(0, 17), before.subarray(0, 17), 'offset, length, leader epoch and magic untouched');
    const decoded = await decodeBatch(new Decoder(batch));
    assert.equal(decoded.firstSequence, 0);
    assert.equal(decoded.records.length, 3);
  });

  for (const compression of ['gzip', 'lz4'] as const) {
    it(`stamps ${compression} batches too, and kafkajs still decompresses them`, async () => {
      registerKafkajsCodecs();
      const { codec, compress } = compressorFor(compression);
      const batch = await encodeCompressedRecordBatch(records, codec, compress, { producerId: 99n, producerEpoch: 3, baseSequence: 2 ** 31 - 2 });
      assert.ok(crcHolds(batch));
      const decoded = await decodeBatch(new Decoder(batch));
      assert.deepEqual([decoded.producerId, decoded.producerEpoch, decoded.firstSequence], ['99', 3, 2 ** 31 - 2]);
      assert.equal(decoded.records[2]?.value?.length, 3000);
    });
  }

  it('wraps sequence numbers at 2^31 as Kafka does', () => {
    assert.equal(incrementSequence(0, 3), 3);
    assert.equal(incrementSequence(2 ** 31 - 1, 1), 0);
    assert.equal(incrementSequence(2 ** 31 - 2, 5), 3);
  });
});

interface TestBatch extends SequencedBatch {
  name: string;
}

const batchOf = (name: string, count: number): TestBatch => ({ name, count, baseSequence: -1, epoch: -1, resequenced: false });

describe('sequence numbers of one partition', () => {
  it('gives consecutive batches consecutive sequences, advancing by their record count', () => {
    const sequences = new PartitionSequences<TestBatch>(0);
    const [a, b, c] = [batchOf('a', 3), batchOf('b', 1), batchOf('c', 8192)];
    for (const batch of [a, b, c]) sequences.assign(batch);
    assert.deepEqual([a.baseSequence, b.baseSequence, c.baseSequence], [0, 3, 4]);
    assert.equal(sequences.next, 8196);
    assert.ok(sequences.isNext(a));
    assert.ok(!sequences.isNext(b));
    sequences.acknowledge(a);
    assert.ok(sequences.isNext(b));
    assert.deepEqual(sequences.unresolved.map((x) => x.name), ['b', 'c']);
  });

  it('moves later batches down when a batch is refused for good, so the broker sees no gap', () => {
    const sequences = new PartitionSequences<TestBatch>(0);
    const [a, b, c, d] = [batchOf('a', 2), batchOf('b', 5), batchOf('c', 3), batchOf('d', 1)];
    for (const batch of [a, b, c, d]) sequences.assign(batch);
    sequences.acknowledge(a);
    sequences.reject(b);
    assert.deepEqual([c.baseSequence, d.baseSequence], [2, 5]);
    assert.ok(c.resequenced && d.resequenced);
    assert.equal(sequences.next, 6);
    const e = batchOf('e', 1);
    sequences.assign(e);
    assert.equal(e.baseSequence, 6);
    assert.equal(e.resequenced, false);
  });

  it('renumbers the open batches from 0 under a new epoch (KIP-360 bump)', () => {
    const sequences = new PartitionSequences<TestBatch>(0);
    const [a, b, c] = [batchOf('a', 4), batchOf('b', 4), batchOf('c', 2)];
    for (const batch of [a, b, c]) sequences.assign(batch);
    sequences.acknowledge(a);
    sequences.bumpEpoch();
    assert.equal(sequences.epoch, 1);
    assert.deepEqual([b.baseSequence, b.epoch, c.baseSequence, c.epoch], [0, 1, 4, 1]);
    assert.ok(b.resequenced && c.resequenced);
    assert.equal(sequences.next, 6);
  });

  it('refuses to bump past the largest epoch', () => {
    const sequences = new PartitionSequences<TestBatch>(MAX_PRODUCER_EPOCH);
    assert.throws(() => { sequences.bumpEpoch(); }, /epoch is at its limit/);
  });
});

describe('what a Produce answer means for a batch', () => {
  const setup = (): { sequences: PartitionSequences<TestBatch>; first: TestBatch; second: TestBatch } => {
    const sequences = new PartitionSequences<TestBatch>(0);
    const first = batchOf('first', 5);
    const second = batchOf('second', 5);
    sequences.assign(first);
    sequences.assign(second);
    return { sequences, first, second };
  };
  const error = (code: number) => protocolError(code);

  it('acknowledges no error, and counts DUPLICATE_SEQUENCE_NUMBER as written', () => {
    const { sequences, first } = setup();
    assert.equal(produceVerdict(undefined, first, sequences), 'acknowledged');
    assert.equal(produceVerdict(error(46), first, sequences), 'duplicate');
  });

  it('resends after leader changes, timeouts and too few in-sync replicas', () => {
    const { sequences, first } = setup();
    for (const code of [6 /* NOT_LEADER_OR_FOLLOWER */, 5, 7, 13, 19, 20, 74, 3]) {
      assert.equal(produceVerdict(error(code), first, sequences), 'retry', protocolError(code).type);
    }
  });

  it('resends a batch that is out of order behind an unacknowledged one', () => {
    const { sequences, second } = setup();
    assert.equal(produceVerdict(error(45), second, sequences), 'retry');
  });

  it('bumps the epoch when the batch the broker should expect next is out of order or its producer unknown', () => {
    const { sequences, first } = setup();
    assert.equal(produceVerdict(error(45), first, sequences), 'retryNewEpoch');
    assert.equal(produceVerdict(error(59), first, sequences), 'retryNewEpoch');
    first.resequenced = true;
    assert.equal(produceVerdict(error(45), first, sequences), 'retry', 'a renumbered batch is only resent');
  });

  it('reports refusals for good, and stops on fencing and missing permissions', () => {
    const { sequences, first } = setup();
    assert.equal(produceVerdict(error(10), first, sequences), 'rejected');
    assert.equal(produceVerdict(error(87), first, sequences), 'rejected');
    assert.equal(produceVerdict(error(47), first, sequences), 'fatal');
    assert.equal(produceVerdict(error(31), first, sequences), 'fatal');
  });

  it('waits 100 ms doubling to 1 s between resends', () => {
    assert.equal(retryBackoffMs(0, () => 0.5), 100);
    assert.equal(retryBackoffMs(2, () => 0.5), 400);
    assert.equal(retryBackoffMs(30, () => 0.5), 1000);
    assert.equal(retryBackoffMs(0, () => 0), 80);
    assert.equal(retryBackoffMs(9, () => 1), 1200);
  });
});

describe('when a run is idempotent', () => {
  it('is on by default with acks=all and off by default with acks 0 or 1, as the Java client', () => {
    assert.equal(idempotenceOf({}), true);
    assert.equal(idempotenceOf({ acks: -1 }), true);
    assert.equal(idempotenceOf({ acks: 1 }), false);
    assert.equal(idempotenceOf({ acks: 0 }), false);
    assert.equal(idempotenceOf({ idempotent: false }), false);
  });

  it('refuses idempotent=true with acks 0 or 1, naming what to change', () => {
    assert.throws(() => idempotenceOf({ idempotent: true, acks: 1 }), (e: unknown) => e instanceof WorkbenchError && /needs acks=all \(-1\), not acks=1.*Use acks=-1, or turn idempotent producing off/.test(e.message));
  });
});
