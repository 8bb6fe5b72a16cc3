import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageBuffer, ROW_OVERHEAD_BYTES } from '../../src/kafka/messageBuffer';
import type { KafkaRecord } from '../../src/kafka/types';

function records(from: number, count: number, text = (i: number) => `message ${i}`): KafkaRecord[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const value = Buffer.from(text(i));
    return { topic: 't', partition: i % 3, offset: String(i), timestamp: i, key: null, value, headers: [], size: value.length };
  });
}

describe('inspector message buffer', () => {
  it('keeps rows in arrival order, addressable by view position and by sequence number', () => {
    const buffer = new MessageBuffer({ maxRecords: 100, maxBytes: 1_000_000 });
    buffer.append(records(0, 10));
    assert.equal(buffer.size, 10);
    assert.deepEqual(buffer.view(2, 5).map((r) => r.record.offset), ['2', '3', '4']);
    assert.equal(buffer.bySeq(7)?.record.offset, '7');
    assert.deepEqual(buffer.view(8, 50).map((r) => r.seq), [8, 9]);
    assert.deepEqual(buffer.view(-5, 1).map((r) => r.seq), [0]);
  });

  it('evicts the oldest rows past the row limit and counts them', () => {
    const buffer = new MessageBuffer({ maxRecords: 5, maxBytes: 1_000_000 });
    const first = buffer.append(records(0, 4));
    assert.equal(first.evicted, 0);
    const second = buffer.append(records(4, 4));
    assert.equal(second.evicted, 3);
    assert.equal(buffer.evicted, 3);
    assert.equal(buffer.size, 5);
    assert.equal(buffer.total, 8);
    assert.equal(buffer.bySeq(2), undefined);
    assert.deepEqual(buffer.view(0, 5).map((r) => r.record.offset), ['3', '4', '5', '6', '7']);
  });

  it('evicts by bytes too', () => {
    const rowBytes = 1000 + ROW_OVERHEAD_BYTES;
    const buffer = new MessageBuffer({ maxRecords: 1000, maxBytes: rowBytes * 3 });
    buffer.append(records(0, 5, () => 'x'.repeat(1000)));
    assert.equal(buffer.size, 3);
    assert.equal(buffer.bytes, rowBytes * 3);
    assert.equal(buffer.evicted, 2);
  });

  it('keeps the filtered view up to date as rows arrive and are evicted', () => {
    const buffer = new MessageBuffer({ maxRecords: 10, maxBytes: 1_000_000 });
    buffer.append(records(0, 6));
    assert.equal(buffer.setFilter({ partitions: [0] }), 2);
    assert.deepEqual(buffer.view(0, 10).map((r) => r.record.offset), ['0', '3']);
    const added = buffer.append(records(6, 6));
    assert.equal(added.matched, 2);
    assert.equal(added.evicted, 2);
    assert.deepEqual(buffer.view(0, 10).map((r) => r.record.offset), ['3', '6', '9']);
    assert.equal(buffer.viewSize, 3);
    assert.equal(buffer.indexOfSeq(6), 1);
    assert.equal(buffer.indexOfSeq(7), 2);
    buffer.setFilter({ text: 'MESSAGE 1' });
    assert.deepEqual([...buffer.viewRecords()].map((r) => r.offset), ['10', '11']);
    buffer.setFilter(undefined);
    assert.equal(buffer.viewSize, 10);
  });

  it('keeps the previous filter when a new one is invalid', () => {
    const buffer = new MessageBuffer({ maxRecords: 10, maxBytes: 1_000_000 });
    buffer.append(records(0, 6));
    buffer.setFilter({ partitions: [1] });
    assert.throws(() => buffer.setFilter({ text: '(', regex: true }), /not a valid regular expression/);
    assert.equal(buffer.viewSize, 2);
    assert.deepEqual(buffer.currentFilter, { partitions: [1] });
  });

  it('lists the partitions it holds and clears', () => {
    const buffer = new MessageBuffer({ maxRecords: 10, maxBytes: 1_000_000 });
    buffer.append(records(0, 4));
    assert.deepEqual(buffer.partitions(), [0, 1, 2]);
    buffer.clear();
    assert.equal(buffer.size, 0);
    assert.equal(buffer.view(0, 10).length, 0);
  });

  it('holds 100,000 rows of 1 KB and pages through a filtered view quickly', () => {
    const buffer = new MessageBuffer({ maxRecords: 100_000, maxBytes: 300 * 1024 * 1024 });
    for (let i = 0; i < 100_000; i += 5000) buffer.append(records(i, 5000, (n) => `{"n":${n},"pad":"${'p'.repeat(1000)}"}`));
    assert.equal(buffer.size, 100_000);
    buffer.setFilter({ text: '"n":9999' });
    assert.deepEqual([...buffer.viewRecords()].map((r) => r.offset), ['9999', '99990', '99991', '99992', '99993', '99994', '99995', '99996', '99997', '99998', '99999']);
    buffer.setFilter({ partitions: [1] });
    assert.equal(buffer.viewSize, 33_333);
    assert.equal(buffer.view(33_330, 33_340).length, 3);
  });
});
