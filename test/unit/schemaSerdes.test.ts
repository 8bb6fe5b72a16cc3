import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSchema } from '../../src/schemas/serdesBundle';
import { compileGenerator } from '../../src/schemas/generate';
import { frame, parseWireHeader } from '../../src/schemas/wire';

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

  it('decimal text becomes the two\'s complement bytes of its unscaled value, short or long, and text that is not a decimal of the scale is refused', async () => {
    const serde = await compileSchema({ schemaType: 'AVRO', schema: JSON.stringify({
      type: 'record', name: 'Price', fields: [
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 20, scale: 2 } },
        { name: 'whole', type: { type: 'bytes', logicalType: 'decimal', precision: 5, scale: 0 } },
      ],
    }) }, noReferences);
    /** The shortest big-endian two's complement bytes of n, worked out with BigInt. */
    const twos = (n: bigint): number[] => {
      const out: number[] = [];
      let rest = n;
      do {
        out.unshift(Number(rest & 0xffn));
        rest >>= 8n;
      } while (!(rest === 0n && ((out[0] as number) & 0x80) === 0) && !(rest === -1n && ((out[0] as number) & 0x80) !== 0));
      return out;
    };
    const cases: [string, bigint, string][] = [
      ['0', 0n, '0.00'], ['-0', 0n, '0.00'], ['0.05', 5n, '0.05'], ['5', 500n, '5.00'], ['007.1', 710n, '7.10'], ['-12.30', -1230n, '-12.30'],
      ['1.27', 127n, '1.27'], ['1.28', 128n, '1.28'], ['-1.28', -128n, '-1.28'], ['-1.29', -129n, '-1.29'], ['327.67', 32767n, '327.67'], ['-327.68', -32768n, '-327.68'],
      ['99999999.99', 9999999999n, '99999999.99'], ['-999999999999.99', -99999999999999n, '-999999999999.99'],
      ['1407374883553.27', 140737488355327n, '1407374883553.27'], ['-1407374883553.28', -140737488355328n, '-1407374883553.28'],
      ['123456789012345678.91', 12345678901234567891n, '123456789012345678.91'], ['-1234567890123456.7', -123456789012345670n, '-1234567890123456.70'],
    ];
    for (const [text, unscaled, back] of cases) {
      const { payload } = serde.encode({ amount: text, whole: '1' });
      // A record's first field, bytes: a zig-zag varint length, then the bytes.
      const expected = twos(unscaled);
      assert.equal(payload[0], expected.length * 2, text);
      assert.deepEqual([...payload.subarray(1, 1 + expected.length)], expected, text);
      assert.deepEqual(serde.decode(payload), { amount: back, whole: '1' }, text);
    }
    for (const text of ['1.234', '12.', '.5', '1e5', '--1', '+5', '1.2.3', ' 1', '', '0x10', '١٢']) {
      assert.throws(() => serde.encode({ amount: text, whole: '1' }), /does not (match|fit)/, `"${text}" is refused`);
    }
    assert.throws(() => serde.encode({ amount: '1', whole: '123456' }), /does not (match|fit)/, 'more digits than the precision');
    assert.deepEqual(serde.decode(serde.encode({ amount: '1', whole: '-99999' }).payload), { amount: '1.00', whole: '-99999' });
  });

  it('timestamps and uuids: the text Date.toISOString writes and any other ISO 8601 form give the same instant; bad dates and uuids are refused', async () => {
    const serde = await compileSchema({ schemaType: 'AVRO', schema: AVRO }, noReferences);
    const base = {
      id: '123e4567-e89b-42d3-a456-426614174000', amount: '1.00', big: '1.000', atu: '2024-05-01T10:00:00.123456Z',
      day: '2024-05-01', status: 'NEW', note: null, addr: { city: 'Lyon' }, raw: '',
    };
    const at = (text: string): unknown => (serde.decode(serde.encode({ ...base, at: text }).payload) as { at: unknown }).at;
    assert.equal(at('2024-05-01T10:00:00.123Z'), '2024-05-01T10:00:00.123Z');
    assert.equal(at('2024-05-01T12:00:00.123+02:00'), '2024-05-01T10:00:00.123Z');
    assert.equal(at('2024-05-01T10:00:00Z'), '2024-05-01T10:00:00.000Z');
    assert.equal(at('1969-12-31T23:59:59.999Z'), '1969-12-31T23:59:59.999Z');
    for (const bad of ['2024-13-01T10:00:00.000Z', '2024-05-01T25:00:00.000Z', '2024-05-01 10:00:00.000Z', '2024-05-01T10:00:00.000']) {
      assert.throws(() => serde.encode({ ...base, at: bad }), /does not (match|fit)/, bad);
    }
    const id = (text: string): unknown => (serde.decode(serde.encode({ ...base, at: '2024-05-01T10:00:00.000Z', id: text }).payload) as { id: unknown }).id;
    assert.equal(id('123E4567-E89B-42D3-A456-426614174000'), '123E4567-E89B-42D3-A456-426614174000');
    for (const bad of ['123e4567e89b42d3a456426614174000', '123e4567-e89b-42d3-a456-42661417400g', '123e4567-e89b-42d3-a456-4266141740000', '{123e4567-e89b-42d3-a456-426614174000}']) {
      assert.throws(() => serde.encode({ ...base, at: '2024-05-01T10:00:00.000Z', id: bad }), /does not (match|fit)/, bad);
    }
  });

  it('decodeText is the JSON text of decode: for types with and without bytes, wrapped unions, maps, arrays and nested records', async () => {
    const plain = JSON.stringify({
      type: 'record', name: 'Plain', fields: [
        { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'day', type: { type: 'int', logicalType: 'date' } },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'tags', type: { type: 'array', items: 'string' } },
        { name: 'counts', type: { type: 'map', values: 'long' } },
        { name: 'addr', type: { type: 'record', name: 'PlainAddr', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: ['null', 'int'] }] } },
        { name: 'score', type: 'double' },
      ],
    });
    const wrapped = JSON.stringify({
      type: 'record', name: 'Wrapped', fields: [
        { name: 'pay', type: [{ type: 'record', name: 'Card', fields: [{ name: 'no', type: 'string' }] }, { type: 'record', name: 'Iban', fields: [{ name: 'no', type: 'string' }] }] },
        { name: 'blob', type: { type: 'fixed', name: 'Four', size: 4 } },
      ],
    });
    for (const schema of [AVRO, plain, wrapped]) {
      const serde = await compileSchema({ schemaType: 'AVRO', schema }, noReferences);
      const make = compileGenerator(serde.jsonSchema(), { seed: 9 });
      for (let i = 0; i < 200; i++) {
        const { payload } = serde.encodeTrusted(make());
        assert.equal(serde.decodeText(payload), JSON.stringify(serde.decode(payload)));
      }
      assert.throws(() => serde.decodeText(Buffer.from([0x02])), /Truncated|ends/);
    }
    const proto = await compileSchema({ schemaType: 'PROTOBUF', schema: PROTO }, noReferences);
    const order = { id: 'o1', n: '7', at: '2024-05-01T10:00:00Z', kind: 'ONLINE', lines: [{ sku: 'a' }], iban: 'DE00' };
    const encoded = proto.encode(order, 'shop.Order');
    assert.equal(proto.decodeText(encoded.payload, encoded.indexes), JSON.stringify(proto.decode(encoded.payload, encoded.indexes)));
    const json = await compileSchema({ schemaType: 'JSON', schema: JSON.stringify({ type: 'object', required: ['a'] }) }, noReferences);
    assert.equal(json.decodeText(Buffer.from('{ "a" : [1, 2] }')), '{"a":[1,2]}');
    assert.throws(() => json.decodeText(Buffer.from('{}')), /does not match/);
  });

  it('generated uuids are version 4 with the RFC variant, and differ', () => {
    const make = compileGenerator({ type: 'string', format: 'uuid' }, { seed: 11 });
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const uuid = make() as string;
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(uuid);
    }
    assert.equal(seen.size, 2000);
  });

  it('frameTrusted writes what frame(id, encodeTrusted(value)) writes, for many values in a row, values larger than a slab, and each serde type', async () => {
    const avro = await compileSchema({ schemaType: 'AVRO', schema: AVRO }, noReferences);
    const make = compileGenerator(avro.jsonSchema(), { seed: 5 });
    const values = Array.from({ length: 3000 }, (_, i) => {
      const value = make() as Record<string, unknown>;
      // Now and then a value larger than the 64 KiB slab the framed values are written into.
      if (i % 1000 === 999) value['addr'] = { city: 'x'.repeat(100_000 + i) };
      return value;
    });
    const framed = values.map((v) => avro.frameTrusted(v, 42));
    // Checked once all are written: a later value must not overwrite an earlier one's bytes.
    values.forEach((v, i) => {
      const bytes = framed[i] as Buffer;
      assert.deepEqual(bytes, frame(42, avro.encodeTrusted(v).payload), `value ${i}`);
      const header = parseWireHeader(bytes);
      assert.ok(header.ok && header.schemaId === 42);
      assert.deepEqual(avro.decode(bytes.subarray(5)), v);
    });
    assert.deepEqual(avro.frameTrusted(values[0], 43).subarray(0, 5), Buffer.from([0, 0, 0, 0, 43]), 'another schema id, another prefix');
    const proto = await compileSchema({ schemaType: 'PROTOBUF', schema: PROTO }, noReferences);
    const line = { sku: 'z' };
    assert.deepEqual(proto.frameTrusted(line, 9, 'Line'), frame(9, proto.encodeTrusted(line, 'Line').payload, [1, 0]));
    assert.deepEqual(proto.frameTrusted({ text: 'hi' }, 9, 'shop.Ping'), frame(9, proto.encodeTrusted({ text: 'hi' }, 'shop.Ping').payload, [0]));
    const json = await compileSchema({ schemaType: 'JSON', schema: JSON.stringify({ type: 'object' }) }, noReferences);
    assert.deepEqual(json.frameTrusted({ a: 1 }, 3), Buffer.concat([Buffer.from([0, 0, 0, 0, 3]), Buffer.from('{"a":1}')]));
  });
});
