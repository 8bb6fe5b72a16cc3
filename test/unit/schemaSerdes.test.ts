import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSchema } from '../../src/schemas/serdesBundle';
import { compileGenerator } from '../../src/schemas/generate';

const noReferences = (): Promise<never> => Promise.reject(new Error('no references in these schemas'));

const AVRO = JSON.stringify({
  type: 'record', name: 'Order', namespace: 'shop',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'big', type: { type: 'fixed', name: 'Big', size: 12, logicalType: 'decimal', precision: 28, scale: 3 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'atu', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'addr', type: { type: 'record', name: 'Addr', fields: [{ name: 'city', type: 'string' }] } },
    { name: 'raw', type: 'bytes' },
  ],
});

const PROTO = `syntax = "proto3"; package shop; import "google/protobuf/timestamp.proto";
message Ping { string text = 1; }
message Order {
  message Line { string sku = 1; }
  enum Kind { KIND_UNSPECIFIED = 0; ONLINE = 1; }
  string id = 1; int64 n = 2; google.protobuf.Timestamp at = 3; Kind kind = 4; repeated Line lines = 5;
  oneof pay { string card = 6; string iban = 7; }
}`;

describe('serdes: the JSON form of Avro and Protobuf values', () => {
  it('Avro logical types read and write as text: decimal with its scale, ISO times, dates, uuids, bytes as base64', async () => {
    const serde = await compileSchema({ schemaType: 'AVRO', schema: AVRO }, noReferences);
    const value = {
      id: '123e4567-e89b-42d3-a456-426614174000', amount: '-12.30', big: '1234567890123456789.125', at: '2024-05-01T10:00:00.123Z', atu: '2024-05-01T10:00:00.123456Z',
      day: '2024-05-01', status: 'PAID', note: null, addr: { city: 'Lyon' }, raw: 'AAEC/w==',
    };
    const { payload } = serde.encode(value);
    assert.deepEqual(serde.decode(payload), value);
    assert.throws(() => serde.decode(payload.subarray(0, payload.length - 3)), /Truncated|ends/);
  });

  it('says which fields of a value do not fit, from the derived JSON Schema', async () => {
    const serde = await compileSchema({ schemaType: 'AVRO', schema: AVRO }, noReferences);
    const problems = serde.validate({ id: 'x', amount: 'ten', status: 'LOST', addr: {} });
    assert.ok(problems.includes('/status: must be one of ["NEW","PAID"]'), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('/amount: must be decimal(')), problems.join('\n'));
    assert.ok(problems.includes('/addr: must have the field "city"'), problems.join('\n'));
  });

  it('Protobuf: message indexes pick nested messages; Timestamp as RFC 3339, int64 as text, oneof members one at a time', async () => {
    const serde = await compileSchema({ schemaType: 'PROTOBUF', schema: PROTO }, noReferences);
    assert.deepEqual(serde.messageNames, ['shop.Ping', 'shop.Order']);
    const order = { id: 'o1', n: '9223372036854775807', at: '2024-05-01T10:00:00.500Z', kind: 'ONLINE', lines: [{ sku: 'a' }], card: '4111' };
    const encoded = serde.encode(order, 'shop.Order');
    assert.deepEqual(encoded.indexes, [1]);
    assert.deepEqual(serde.decode(encoded.payload, encoded.indexes), order);
    const line = serde.encode({ sku: 'z' }, 'Line');
    assert.deepEqual(line.indexes, [1, 0]);
    assert.deepEqual(serde.decode(line.payload, [1, 0]), { sku: 'z' });
    assert.deepEqual(serde.validate({ card: 'a', iban: 'b' }, 'shop.Order'), ['(value): only one of card and iban may be set (they belong to one oneof)']);
    assert.throws(() => serde.decode(line.payload, [5]), /message indexes \[5\] name no message/);
  });

  it('test data generated from a schema fits it: enums, logical types, unions, nested records, oneofs', async () => {
    const avro = await compileSchema({ schemaType: 'AVRO', schema: AVRO }, noReferences);
    const makeAvro = compileGenerator(avro.jsonSchema(), { seed: 3 });
    const proto = await compileSchema({ schemaType: 'PROTOBUF', schema: PROTO }, noReferences);
    const makeOrder = compileGenerator(proto.jsonSchema('shop.Order'), { seed: 3 });
    const notes = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const value = makeAvro() as Record<string, unknown>;
      assert.deepEqual(avro.validate(value), []);
      assert.deepEqual(avro.decode(avro.encodeTrusted(value).payload), value);
      notes.add(value['note'] === null ? 'null' : 'string');
      const order = makeOrder() as Record<string, unknown>;
      assert.deepEqual(proto.validate(order, 'shop.Order'), []);
      assert.equal(['card', 'iban'].filter((k) => k in order).length, 1);
    }
    assert.deepEqual([...notes].sort(), ['null', 'string'], 'both branches of the union appear');
  });
});
