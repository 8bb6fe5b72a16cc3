// The bytes of FindCoordinator v4 and OffsetFetch v8 (src/kafka/groupRequests.ts), written out
// by hand from Kafka's protocol grammar; test/integration/kafkaListing.test.ts sends them to the broker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeFindCoordinatorsV4, decodeOffsetFetchV8, encodeFindCoordinatorsV4, encodeOffsetFetchV8 } from '../../src/kafka/groupRequests';

const bytes = (...parts: (number | string | Buffer)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));
const int16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const int32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const int64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(v); return b; };

describe('FindCoordinator v4 (many groups in one request)', () => {
  it('writes the header tag buffer, key type 0 and the keys as a compact array', () => {
    assert.deepEqual(encodeFindCoordinatorsV4(['a', 'bc']), bytes(0, 0, 3, 2, 'a', 3, 'bc', 0));
  });

  it('reads each key\'s coordinator or error, skipping tagged fields', () => {
    const answer = bytes(
      0, // response header tags
      int32(7), // throttle
      3, // two coordinators
      2, 'a', int32(1), 9, 'broker-1', int32(9092), int16(0), 0, 0,
      3, 'bc', int32(-1), 1, int32(-1), int16(15), 6, 'gone.', 1, 5, 2, 0xaa, 0xbb, // one tagged field (tag 5, 2 bytes)
      0,
    );
    assert.deepEqual(decodeFindCoordinatorsV4(answer), {
      throttleTimeMs: 7,
      coordinators: [
        { key: 'a', nodeId: 1, host: 'broker-1', port: 9092, errorCode: 0, errorMessage: null },
        { key: 'bc', nodeId: -1, host: '', port: -1, errorCode: 15, errorMessage: 'gone.' },
      ],
    });
  });

  it('says which answer was cut off and where', () => {
    assert.throws(() => decodeFindCoordinatorsV4(bytes(0, int32(0), 2, 2, 'a', 0, 0)), /FindCoordinator v4 answer of 10 bytes is cut off at byte 8/);
  });

  it('writes group ids longer than 127 bytes with a two-byte length', () => {
    const id = 'g'.repeat(200);
    assert.deepEqual(encodeFindCoordinatorsV4([id]).subarray(0, 5), bytes(0, 0, 2, 0xc9, 0x01)); // 201 = 0x49 | 0x80, 0x01
  });
});

describe('OffsetFetch v8 (many groups in one request)', () => {
  it('asks for all topics of each group with a null topic array', () => {
    assert.deepEqual(encodeOffsetFetchV8([{ groupId: 'g1', topics: null }, { groupId: 'g2', topics: [{ topic: 't', partitions: [0, 2] }] }]), bytes(
      0, // request header tags
      3, // two groups
      3, 'g1', 0, 0,
      3, 'g2', 2, 2, 't', 3, int32(0), int32(2), 0, 0,
      0, // require_stable false
      0,
    ));
  });

  it('reads each group\'s committed offsets and error codes', () => {
    const answer = bytes(
      0, int32(0),
      3,
      3, 'g1', 2, 2, 't', 3,
      int32(0), int64(42n), int32(-1), 0, int16(0), 0,
      int32(1), int64(-1n), int32(-1), 1, int16(0), 0,
      0, int16(0), 0,
      3, 'g2', 1, int16(16), 0,
      0,
    );
    assert.deepEqual(decodeOffsetFetchV8(answer), {
      throttleTimeMs: 0,
      groups: [
        { groupId: 'g1', errorCode: 0, topics: [{ topic: 't', partitions: [{ partition: 0, offset: '42', errorCode: 0 }, { partition: 1, offset: '-1', errorCode: 0 }] }] },
        { groupId: 'g2', errorCode: 16, topics: [] },
      ],
    });
  });
});
