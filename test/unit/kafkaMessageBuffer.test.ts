import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageBuffer, ROW_OVERHEAD_BYTES } from '../../src/kafka/messageBuffer';
import { compileFilter } from '../../src/kafka/recordFilter';
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

describe('inspector message buffer: compact store and byte search', () => {
  const binary = Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x80, 0x0a]);
  const odd: KafkaRecord[] = [
    { topic: 'orders', partition: 0, offset: '9007199254740993', timestamp: 1, key: null, value: null, headers: [], size: 0 },
    { topic: 'orders', partition: 1, offset: '0', timestamp: 2, key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [], size: 0 },
    {
      topic: 'payments', partition: 2, offset: '42', timestamp: 3, key: binary, value: Buffer.from('{"é":"<b>ü</b>"}'),
      headers: [{ key: 'trace', value: Buffer.from('a') }, { key: 'trace', value: Buffer.from('b') }, { key: 'none', value: null }, { key: 'bin', value: binary }, { key: 'naïve=key', value: Buffer.alloc(0) }],
      size: 99,
    },
  ];

  it('gives back each record as it came: null and empty parts, binary bytes, repeated and null headers, offsets past 2^53', () => {
    const buffer = new MessageBuffer({ maxRecords: 10, maxBytes: 1_000_000 });
    buffer.append(odd);
    assert.deepEqual(buffer.view(0, 10).map((r) => r.record), odd);
    assert.deepEqual([...buffer.viewRecords()], odd);
    assert.equal(buffer.bySeq(0)?.record.offset, '9007199254740993');
  });

  it('holds records bigger than a slab, and evicts whole slabs without losing the rows that stay', () => {
    const big = (i: number): KafkaRecord => {
      const value = Buffer.alloc(3 * 1024 * 1024, 0x61 + i);
      return { topic: 't', partition: 0, offset: String(i), timestamp: i, key: Buffer.from(`k${i}`), value, headers: [], size: value.length + 2 };
    };
    const buffer = new MessageBuffer({ maxRecords: 100, maxBytes: 7 * 1024 * 1024 });
    for (let i = 0; i < 6; i++) buffer.append([big(i), ...records(100 + i * 10, 10)]);
    assert.ok(buffer.bytes <= 7 * 1024 * 1024);
    assert.ok(buffer.evicted > 0);
    const held = buffer.view(0, buffer.size).map((r) => r.record);
    assert.equal(held.length, buffer.size);
    for (const record of held) {
      const i = Number(record.offset);
      if (i < 100) assert.ok(record.value?.equals(Buffer.alloc(3 * 1024 * 1024, 0x61 + i)), `big record ${i} intact`);
      else assert.equal(record.value?.toString(), `message ${i}`);
    }
    buffer.setFilter({ text: 'message 15' });
    assert.deepEqual([...buffer.viewRecords()].map((r) => r.offset), ['150', '151', '152', '153', '154', '155', '156', '157', '158', '159']);
  });

  it('finds text only inside one key, one value or one header name=value, never across them', () => {
    const buffer = new MessageBuffer({ maxRecords: 10, maxBytes: 1_000_000 });
    const value = Buffer.from('def');
    buffer.append([{ topic: 't', partition: 0, offset: '0', timestamp: 0, key: Buffer.from('abc'), value, headers: [{ key: 'source', value: Buffer.from('workbench') }, { key: 'x', value: null }], size: 6 }]);
    const found = (text: string): number => buffer.setFilter({ text });
    assert.equal(found('abc'), 1);
    assert.equal(found('DEF'), 1);
    assert.equal(found('cd'), 0, 'key "abc" and value "def" do not make "cd"');
    assert.equal(found('source=WORK'), 1);
    assert.equal(found('x='), 1);
    assert.equal(found('benchx'), 0, 'the end of one header and the name of the next do not match together');
  });

  it('ignores case for ASCII and for accented letters, and matches other text byte for byte', () => {
    const buffer = new MessageBuffer({ maxRecords: 10, maxBytes: 1_000_000 });
    buffer.append(records(0, 4, (i) => ['Crème BRÛLÉE', 'price: 12 €', 'ΣΟΦΙΑ', 'plain ascii'][i] ?? ''));
    const offsets = (filter: Parameters<MessageBuffer['setFilter']>[0]): string[] => {
      buffer.setFilter(filter);
      return [...buffer.viewRecords()].map((r) => r.offset);
    };
    assert.deepEqual(offsets({ text: 'brûlée' }), ['0']);
    assert.deepEqual(offsets({ text: 'CRÈME' }), ['0']);
    assert.deepEqual(offsets({ text: 'σοφια' }), ['2']);
    assert.deepEqual(offsets({ text: '12 €' }), ['1']);
    assert.deepEqual(offsets({ text: 'PLAIN' }), ['3']);
    assert.deepEqual(offsets({ text: 'PLAIN', caseSensitive: true }), []);
    assert.deepEqual(offsets({ text: 'BRÛLÉE', caseSensitive: true }), ['0']);
    assert.deepEqual(offsets({ text: 'brûlée', caseSensitive: true }), []);
    assert.deepEqual(offsets({ text: 'cr.me\\s+br', regex: true }), ['0']);
  });

  /** Values and keys with words, numbers, accents and bytes that are not UTF-8; some headers. */
  function mixed(count: number): KafkaRecord[] {
    const words = ['order', 'Paid', 'NEW', 'shipped', 'Zoë', 'café', 'x', '"status"', 'ORDER-1'];
    return Array.from({ length: count }, (_, i) => {
      const text = `{"n":${i},"w":"${words[i % words.length] ?? ''} ${words[(i * 7) % words.length] ?? ''}","p":"${'y'.repeat(i % 50)}"}`;
      const value = i % 13 === 0 ? Buffer.concat([Buffer.from([0xff, 0x00]), Buffer.from(text)]) : Buffer.from(text);
      const key = i % 5 === 0 ? null : Buffer.from(`order-${i}`);
      const headers = i % 4 === 0 ? [{ key: 'data_type', value: Buffer.from(i % 8 === 0 ? 'order' : 'payment') }] : [];
      return { topic: 't', partition: i % 3, offset: String(1000 + i), timestamp: i, key, value, headers, size: (key?.length ?? 0) + value.length };
    });
  }

  it('finds the same rows as the record filter does on each record', () => {
    const all = mixed(3000);
    const buffer = new MessageBuffer({ maxRecords: 10_000, maxBytes: 100_000_000 });
    for (let i = 0; i < all.length; i += 250) buffer.append(all.slice(i, i + 250));
    const filters = [
      { text: 'order' }, { text: 'ORDER-1' }, { text: 'paid' }, { text: 'zoë' }, { text: 'CAFÉ' }, { text: 'type=ord' },
      { text: '"n":12' }, { text: 'order', partitions: [1] }, { text: 'y', fromOffset: '1500', toOffset: '1600' },
      { partitions: [0, 2], fromTime: 100, toTime: 200 }, { text: 'Paid', caseSensitive: true }, { text: '"w":"x', regex: true },
    ];
    for (const filter of filters) {
      buffer.setFilter(filter);
      const expected = all.filter(compileFilter(filter)).map((r) => r.offset);
      assert.deepEqual([...buffer.viewRecords()].map((r) => r.offset), expected, JSON.stringify(filter));
      assert.ok(expected.length > 0, `${JSON.stringify(filter)} finds something`);
    }
  });

  it('narrows a search as it is typed to the same rows a fresh search finds, also while rows arrive', () => {
    const all = mixed(4000);
    const typed = new MessageBuffer({ maxRecords: 3000, maxBytes: 100_000_000 });
    typed.append(all.slice(0, 2000));
    const query = 'order-12';
    for (let i = 1; i <= query.length; i++) {
      typed.setFilter({ text: query.slice(0, i), partitions: [1] });
      typed.append(all.slice(2000 + (i - 1) * 200, 2000 + i * 200));
    }
    const fresh = new MessageBuffer({ maxRecords: 3000, maxBytes: 100_000_000 });
    fresh.append(all.slice(0, 2000 + query.length * 200));
    fresh.setFilter({ text: query, partitions: [1] });
    const offsets = (buffer: MessageBuffer): string[] => [...buffer.viewRecords()].map((r) => r.offset);
    assert.deepEqual(offsets(typed), offsets(fresh));
    assert.ok(typed.evicted > 0 && typed.viewSize > 10);
    // Deleting letters widens the search again.
    typed.setFilter({ text: 'order', partitions: [1] });
    fresh.setFilter({ text: 'order', partitions: [1] });
    assert.deepEqual(offsets(typed), offsets(fresh));
  });
});
