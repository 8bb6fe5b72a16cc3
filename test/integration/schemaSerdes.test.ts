/**
 * Schema'd messages against the reference implementation, on the native stack (Kafka on
 * 127.0.0.1:9092, the schema registry at KAW_SCHEMA_REGISTRY_URL, default 127.0.0.1:8085):
 * what the workbench produces, Python confluent-kafka's AvroDeserializer, ProtobufDeserializer
 * and JSONDeserializer read back equal; what their serializers produce, the inspector decodes
 * equal. Avro with decimal (bytes and fixed), timestamp-millis/-micros, date, uuid, unions,
 * enums, nested records, arrays and maps; Protobuf with nested types, non-zero message
 * indexes, google/protobuf/timestamp.proto and a reference to another subject; JSON Schema.
 * Then the bad inputs: registry down or answering HTML, unknown schema id, truncated bytes,
 * plain JSON in a schema'd topic, a value that does not match its schema on produce.
 *
 * The Python side is test/integration/serdes_peer.py, run in the stack's Airflow 3 venv.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import type * as Protobuf from 'protobufjs';
import { recordsToJson } from '../../src/kafka/export';
import { detailOf } from '../../src/panels/inspectorSource';
import type { KafkaInspectorSource } from '../../src/panels/kafkaInspectorSource';
import { SchemaRegistryClient } from '../../src/schemas/registryClient';
import { SchemaCache } from '../../src/schemas/serdes';
import { encodeValue, generatingEncoder, jsonEncoder } from '../../src/schemas/schemaProduce';
import { compileGenerator } from '../../src/schemas/generate';
import { frame } from '../../src/schemas/wire';
import type { SchemaSource } from '../../src/schemas/types';
import type { InspectorRow } from '../../src/shared/protocol';
import { InspectorSources, NATIVE_BROKER, nativeKafkaService, readTopic } from '../support/inspector';
import { removeTestTopics } from '../support/testTopics';
import { nativeRegistry, REGISTRY_URL, requireRegistry } from '../support/registry';

const exec = promisify(execFile);
// protobufjs and its descriptor extension (which adds Root#toDescriptor and protobuf.descriptor to the CommonJS module).
const requireCjs = createRequire(import.meta.url);
const protobuf = requireCjs('protobufjs') as typeof Protobuf;
requireCjs('protobufjs/ext/descriptor');
const ROOT = resolve(import.meta.dirname, '../..');
const run = randomUUID().slice(0, 8);
const kafka = nativeKafkaService();
const sources = new InspectorSources(kafka);
const registry = nativeRegistry();
const topics: string[] = [];
const subjects: string[] = [];
let workDir = '';

// ---------------------------------------------------------------- schemas and values

const AVRO_SCHEMA = JSON.stringify({
  type: 'record', name: 'Order', namespace: 'it.shop',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'fee', type: { type: 'fixed', name: 'Fee', size: 8, logicalType: 'decimal', precision: 16, scale: 4 } },
    { name: 'created_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'seen_at', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: ['null', 'int'], default: null }] } },
    { name: 'billing', type: ['null', 'Address'], default: null },
    { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int' }, { name: 'price', type: 'double' }] } } },
    { name: 'tags', type: { type: 'map', values: 'long' } },
    { name: 'raw', type: 'bytes' },
    { name: 'paid', type: 'boolean' },
  ],
});

const AVRO_VALUES: unknown[] = [
  {
    id: '123e4567-e89b-42d3-a456-426614174000', amount: '1234.50', fee: '-0.0125', created_at: '2024-05-01T10:00:00.123Z', seen_at: '2024-05-01T10:00:00.123456Z',
    day: '2024-05-01', status: 'PAID', note: 'first order', address: { city: 'Lyon', zip: 69001 }, billing: { city: 'Paris', zip: null },
    lines: [{ sku: 'A-1', qty: 2, price: 9.99 }, { sku: 'B-2', qty: 1, price: 0.5 }], tags: { priority: 3, big: 4503599627370496 }, raw: 'AAECAwT/', paid: true,
  },
  {
    id: '00000000-0000-4000-8000-000000000000', amount: '-0.01', fee: '0.0000', created_at: '1970-01-01T00:00:00.000Z', seen_at: '1999-12-31T23:59:59.999999Z',
    day: '1970-01-01', status: 'NEW', note: null, address: { city: 'Zürich — 東京', zip: null }, billing: null, lines: [], tags: {}, raw: '', paid: false,
  },
];

const MONEY_PROTO = `syntax = "proto3";
package it.common;
message Money {
  string currency = 1;
  int64 units = 2;
  int32 nanos = 3;
}
`;

const SHOP_PROTO = `syntax = "proto3";
package it.shop;
import "google/protobuf/timestamp.proto";
import "it/common/money.proto";

message Ping { string text = 1; }

message Order {
  message Line {
    string sku = 1;
    uint32 qty = 2;
    it.common.Money price = 3;
  }
  enum Kind { KIND_UNSPECIFIED = 0; ONLINE = 1; STORE = 2; }
  string id = 1;
  google.protobuf.Timestamp created_at = 2;
  Kind kind = 3;
  repeated Line lines = 4;
  oneof payment {
    string card = 5;
    string iban = 6;
  }
  int64 big = 7;
  bytes raw = 8;
  map<string, int64> counters = 9;
  double ratio = 10;
  bool gift = 11;
}
`;

const PROTO_ORDERS: unknown[] = [
  {
    id: 'o-1', created_at: '2024-05-01T10:00:00.123Z', kind: 'ONLINE', lines: [{ sku: 'A', qty: 2, price: { currency: 'EUR', units: '12', nanos: 500000000 } }],
    card: '4111', big: '9223372036854775807', raw: 'AQID', counters: { views: '3' }, ratio: 0.25, gift: true,
  },
  { id: 'o-2', created_at: '1970-01-01T00:00:01Z', kind: 'STORE', lines: [], iban: 'FR76', big: '-5', raw: '', counters: {}, ratio: 0, gift: false },
];
const PROTO_LINES: unknown[] = [{ sku: 'nested', qty: 7, price: { currency: 'USD', units: '1', nanos: 0 } }];

const JSON_SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'Reading', type: 'object', additionalProperties: false, required: ['sensor', 'value', 'unit'],
  properties: {
    sensor: { type: 'string' }, value: { type: 'number' }, unit: { enum: ['C', 'F'] },
    where: { type: 'object', properties: { site: { type: 'string' }, floor: { type: 'integer' } }, required: ['site'] },
    tags: { type: 'array', items: { type: 'string' } },
  },
});
const JSON_VALUES: unknown[] = [
  { sensor: 's-1', value: 21.5, unit: 'C', where: { site: 'Lyon', floor: 2 }, tags: ['a', 'b'] },
  { sensor: 's-2', value: -3, unit: 'F' },
];

// ---------------------------------------------------------------- helpers

/** Drops null-valued keys: proto3 JSON omits an unset message field, the workbench shows it as null. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

/** proto3 JSON prints a 32-bit unsigned or signed integer as a number; the values above already do. */
function protoForm(value: unknown): unknown {
  return withoutNulls(value);
}

/**
 * FileDescriptorProtos for Python's descriptor pool, from the .proto texts (there is no protoc
 * here): protobufjs' descriptor extension, then names, dependencies, fully qualified type
 * names and map-entry names as protoc writes them.
 */
function descriptorFiles(files: { name: string; text: string }[]): string[] {
  const root = new protobuf.Root();
  const common = (protobuf as unknown as { common: { get(file: string): Protobuf.INamespace } }).common;
  root.addJSON(common.get('google/protobuf/timestamp.proto').nested ?? {});
  const packages = new Map<string, { name: string; imports: string[] }>();
  for (const file of files) {
    const parsed = protobuf.parse(file.text, root, { keepCase: true });
    packages.set(parsed.package ?? '', { name: file.name, imports: parsed.imports ?? [] });
  }
  root.resolveAll();
  const set = (root as unknown as { toDescriptor(syntax: string): { file: Record<string, unknown>[] } }).toDescriptor('proto3');
  const FileDescriptorProto = (protobuf as unknown as { descriptor: { FileDescriptorProto: Protobuf.Type } }).descriptor.FileDescriptorProto;
  const out: string[] = [];
  const fix = (message: Record<string, unknown>, type: Protobuf.Type): void => {
    const nested = (message['nestedType'] ?? []) as Record<string, unknown>[];
    const renamed = new Map<string, string>();
    for (const field of (message['field'] ?? []) as Record<string, unknown>[]) {
      const reflected = type.fields[field['name'] as string] as Protobuf.Field;
      if (reflected.map) {
        const entry = `${(field['name'] as string).replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Entry`;
        renamed.set(field['typeName'] as string, entry);
        field['typeName'] = `${type.fullName}.${entry}`;
      } else if (reflected.resolvedType) {
        field['typeName'] = reflected.resolvedType.fullName;
      }
    }
    // protoc lists map entries where the map field is; put declared nested messages first, as they are counted by the message indexes.
    const entries = nested.filter((n) => renamed.has(n['name'] as string));
    const declared = nested.filter((n) => !renamed.has(n['name'] as string));
    for (const entry of entries) {
      const mapField = Object.values(type.fields).find((f) => f.map && renamed.get(entry['name'] as string) !== undefined && `${f.name.replace(/(^|_)(\w)/g, (_, __, c: string) => c.toUpperCase())}Entry` === renamed.get(entry['name'] as string)) as Protobuf.MapField | undefined;
      entry['name'] = renamed.get(entry['name'] as string);
      const valueField = ((entry['field'] ?? []) as Record<string, unknown>[]).find((f) => f['name'] === 'value');
      if (valueField && mapField?.resolvedType) valueField['typeName'] = mapField.resolvedType.fullName;
    }
    for (const inner of declared) fix(inner, type.lookupType(inner['name'] as string));
    message['nestedType'] = [...declared, ...entries];
  };
  for (const file of set.file) {
    const info = packages.get(file['package'] as string);
    if (!info) continue;
    file['name'] = info.name;
    file['dependency'] = info.imports;
    const ns = root.lookup(file['package'] as string) as Protobuf.Namespace;
    for (const message of (file['messageType'] ?? []) as Record<string, unknown>[]) fix(message, ns.lookupType(message['name'] as string));
    out.push(Buffer.from(FileDescriptorProto.encode(FileDescriptorProto.fromObject(file)).finish()).toString('base64'));
  }
  // Dependencies first.
  return files.map((f) => out[[...packages.values()].findIndex((p) => p.name === f.name)] as string);
}

async function peer(job: Record<string, unknown>): Promise<{ values?: unknown[]; produced?: number }> {
  const file = join(workDir, `job-${randomUUID().slice(0, 6)}.json`);
  await writeFile(file, JSON.stringify({ brokers: NATIVE_BROKER, registry: REGISTRY_URL, ...job }));
  try {
    const { stdout } = await exec('bash', [join(ROOT, 'stack/native/stack.sh'), 'exec', 'airflow3', 'python', join(ROOT, 'test/integration/serdes_peer.py'), file], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
    const line = stdout.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as { values?: unknown[]; produced?: number };
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`serdes_peer.py failed: ${e.message}\n${e.stderr ?? ''}`, { cause: error });
  }
}

async function newTopic(name: string): Promise<string> {
  const topic = `wb-serdes-${run}-${name}`;
  await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
  topics.push(topic);
  return topic;
}

async function registerSubject(name: string, schemaType: 'AVRO' | 'PROTOBUF' | 'JSON', schema: string, references?: { name: string; subject: string; version: number }[]): Promise<{ subject: string; id: number }> {
  const subject = `it-serdes-${run}-${name}`;
  const id = await registry.register(subject, { schema, schemaType, ...(references ? { references } : {}) });
  subjects.push(subject);
  return { subject, id };
}

/** Reads a topic with the inspector's source, as the panel does; returns the rows, their decoded values and the source. */
async function inspect(topic: string, schemas: SchemaSource, expected: number): Promise<{ rows: InspectorRow[]; values: unknown[]; source: KafkaInspectorSource }> {
  const source = sources.open(topic, { schemas: () => schemas });
  const status = await readTopic(source, { maxMessages: 100_000 });
  assert.equal(status.loaded, expected, status.message);
  const { rows } = source.rows(0, expected);
  // The decoded rows hold JSON; rows that could not be decoded keep their bytes (null here).
  const values = rows.map((row) => {
    const record = source.record(row.id);
    return record?.value && row.valueKind === 'json' ? JSON.parse(record.value.toString('utf8')) as unknown : null;
  });
  return { rows, values, source };
}

async function produceWith(topic: string, values: readonly Buffer[]): Promise<void> {
  const result = await kafka.produce(values.map((value, i) => ({ key: `k${i}`, value, partition: 0 })), { topic });
  assert.equal(result.sent, values.length);
}

// ---------------------------------------------------------------- tests

describe('schema\'d messages against Python confluent-kafka\'s serdes', { timeout: 600_000 }, () => {
  let avro: { subject: string; id: number };
  let money: { subject: string; id: number };
  let shop: { subject: string; id: number };
  let json: { subject: string; id: number };
  let protoFiles: string[];
  const cache = new SchemaCache(registry);

  before(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'wb-serdes-'));
    await requireRegistry(registry);
    avro = await registerSubject('orders-value', 'AVRO', AVRO_SCHEMA);
    money = await registerSubject('money', 'PROTOBUF', MONEY_PROTO);
    shop = await registerSubject('shop-value', 'PROTOBUF', SHOP_PROTO, [{ name: 'it/common/money.proto', subject: money.subject, version: 1 }]);
    json = await registerSubject('readings-value', 'JSON', JSON_SCHEMA);
    protoFiles = descriptorFiles([{ name: 'it/common/money.proto', text: MONEY_PROTO }, { name: `it-serdes-${run}-shop.proto`, text: SHOP_PROTO }]);
  });

  after(async () => {
    sources.dispose();
    await removeTestTopics(kafka, topics);
    for (const subject of subjects.reverse()) {
      try {
        await registry.deleteSubject(subject);
        await registry.deleteSubject(subject, { permanent: true });
      } catch (error) {
        console.warn(`# left subject ${subject} in the registry: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    await kafka.dispose();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('Avro: what the workbench writes (hand-written and generated values), AvroDeserializer reads back equal', async () => {
    const schema = await cache.bySubject(avro.subject, 'latest');
    const generate = compileGenerator(schema.serde.jsonSchema(), { seed: 42 });
    const generated = Array.from({ length: 30 }, generate);
    const values = [...AVRO_VALUES, ...generated];
    const topic = await newTopic('avro-out');
    await produceWith(topic, values.map((v) => encodeValue(schema, v)));
    const read = await peer({ mode: 'consume', kind: 'avro', topic, schema: AVRO_SCHEMA, count: values.length });
    assert.deepEqual(read.values, values);
  });

  it('Avro: what AvroSerializer writes, the inspector decodes equal, with subject, version and id', async () => {
    const topic = await newTopic('avro-in');
    // AvroSerializer's default subject for this topic (TopicNameStrategy). The same schema is also
    // registered as avro.subject (and perhaps under leftovers of runs that were cut), so its id
    // alone names several subjects: the inspector names the one the topic's strategy gives.
    const topicSubject = `${topic}-value`;
    assert.equal(await registry.register(topicSubject, { schema: AVRO_SCHEMA, schemaType: 'AVRO' }), avro.id, 'one schema, one id');
    subjects.push(topicSubject);
    const produced = await peer({ mode: 'produce', kind: 'avro', topic, subject: topicSubject, schema: AVRO_SCHEMA, values: AVRO_VALUES });
    assert.equal(produced.produced, AVRO_VALUES.length);
    const { rows, values, source } = await inspect(topic, registry, AVRO_VALUES.length);
    assert.deepEqual(values, AVRO_VALUES);
    assert.deepEqual(rows[0]?.valueSchema, { id: avro.id, type: 'AVRO', subject: topicSubject, version: 1 });
    assert.equal(source.schemaLookups, 1, 'one lookup for the one schema id');
    const first = rows[0];
    const record = source.record(first.id);
    assert.ok(record);
    const detail = detailOf(first.id, record, undefined, source.wire(first.id));
    const view = detail.wire?.value;
    assert.ok(view, 'the detail has a byte view of the value');
    assert.deepEqual(view.parts.map((p) => p.part), ['magic', 'schemaId', 'payload']);
    assert.equal(view.parts.at(1)?.hex, [...frame(avro.id, Buffer.alloc(0)).subarray(1, 5)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
    // Search finds decoded fields; export writes the decoded form.
    assert.equal(source.setFilter({ text: 'Zürich', partitions: [] }).matched, 1);
    source.setFilter({ text: '', partitions: [] });
    const exported = JSON.parse(recordsToJson([...source.records('filtered')])) as { value: unknown }[];
    assert.deepEqual(exported.map((e) => e.value), AVRO_VALUES);
    source.dispose();
  });

  it('Protobuf: the workbench writes Order (indexes [1]) and Order.Line (indexes [1, 0]); ProtobufDeserializer reads back equal', async () => {
    const schema = await cache.bySubject(shop.subject, 'latest');
    assert.deepEqual(schema.serde.messageNames, ['it.shop.Ping', 'it.shop.Order']);
    const orders = await newTopic('proto-out');
    await produceWith(orders, PROTO_ORDERS.map((v) => encodeValue(schema, v, 'it.shop.Order')));
    const read = await peer({ mode: 'consume', kind: 'protobuf', topic: orders, protobuf: { files: protoFiles, message: 'it.shop.Order' }, count: PROTO_ORDERS.length });
    assert.deepEqual((read.values ?? []).map(protoForm), PROTO_ORDERS.map(protoForm));
    const lines = await newTopic('proto-out-lines');
    const encoded = PROTO_LINES.map((v) => encodeValue(schema, v, 'it.shop.Order.Line'));
    assert.deepEqual([...(encoded[0] as Buffer).subarray(5, 8)], [4, 2, 0], 'message indexes [1, 0] after the schema id');
    await produceWith(lines, encoded);
    const readLines = await peer({ mode: 'consume', kind: 'protobuf', topic: lines, protobuf: { files: protoFiles, message: 'it.shop.Order.Line' }, count: PROTO_LINES.length });
    assert.deepEqual((readLines.values ?? []).map(protoForm), PROTO_LINES.map(protoForm));
  });

  it('Protobuf: what ProtobufSerializer writes (message index [1], a referenced schema, Timestamp, oneof, nested messages) the inspector decodes equal, byte view with the indexes', async () => {
    const topic = await newTopic('proto-in');
    await peer({ mode: 'produce', kind: 'protobuf', topic, subject: shop.subject, protobuf: { files: protoFiles, message: 'it.shop.Order' }, values: PROTO_ORDERS });
    const { rows, values, source } = await inspect(topic, registry, PROTO_ORDERS.length);
    assert.deepEqual(values.map(protoForm), PROTO_ORDERS.map(protoForm));
    assert.equal(rows[0]?.valueSchema?.subject, shop.subject);
    const wire = source.wire((rows[0]).id)?.value;
    assert.ok(wire, 'the row keeps its wire-format facts');
    assert.deepEqual(wire.indexes, [1]);
    assert.deepEqual(wire.ranges.map((r) => [r.part, r.from, r.to]).slice(0, 3), [['magic', 0, 1], ['schemaId', 1, 5], ['indexes', 5, 7]]);
    source.dispose();
    // Order.Line (indexes [1, 0]) is checked in the other direction only: confluent-kafka's ProtobufSerializer
    // (2.16) looks a message up among the file's top-level messages when it uses the subject's latest version.
  });

  it('JSON Schema: both directions equal through JSONSerializer and JSONDeserializer', async () => {
    const schema = await cache.bySubject(json.subject, 'latest');
    const out = await newTopic('json-out');
    await produceWith(out, JSON_VALUES.map((v) => encodeValue(schema, v)));
    const read = await peer({ mode: 'consume', kind: 'json', topic: out, schema: JSON_SCHEMA, count: JSON_VALUES.length });
    assert.deepEqual(read.values, JSON_VALUES);
    const inTopic = await newTopic('json-in');
    await peer({ mode: 'produce', kind: 'json', topic: inTopic, subject: json.subject, schema: JSON_SCHEMA, values: JSON_VALUES });
    const { values, rows, source } = await inspect(inTopic, registry, JSON_VALUES.length);
    assert.deepEqual(values, JSON_VALUES);
    assert.equal(rows[1]?.valueSchema?.type, 'JSON');
    source.dispose();
  });

  it('generated test data from a subject (Protobuf with a oneof) is read back by ProtobufDeserializer', async () => {
    const schema = await cache.bySubject(shop.subject, 'latest');
    const encode = generatingEncoder(schema, 'it.shop.Order', { seed: 7 });
    const messages = Array.from({ length: 20 }, (_, i) => encode({ key: `g${i}`, value: null, partition: 0 }));
    const topic = await newTopic('proto-generated');
    await kafka.produce(messages, { topic });
    const read = await peer({ mode: 'consume', kind: 'protobuf', topic, protobuf: { files: protoFiles, message: 'it.shop.Order' }, count: 20 });
    const ours = messages.map((m) => schema.serde.decode((m.value as Buffer).subarray(7), [1])); // magic, id, indexes [1] (2 bytes)
    assert.deepEqual((read.values ?? []).map(protoForm), ours.map(protoForm));
    for (const value of ours as Record<string, unknown>[]) {
      assert.ok(['ONLINE', 'STORE', 'KIND_UNSPECIFIED'].includes(value['kind'] as string));
      assert.equal([value['card'], value['iban']].filter((v) => v !== undefined && v !== null).length, 1, 'exactly one member of the oneof');
    }
  });

  it('bad inputs: unknown id, truncated bytes, look-alike bytes and plain JSON show raw with a reason; the view goes on', async () => {
    const schema = await cache.bySubject(avro.subject, 'latest');
    const good = encodeValue(schema, AVRO_VALUES[0]);
    const topic = await newTopic('bad');
    await produceWith(topic, [
      good,
      frame(2_000_000_000, good.subarray(5)), // an id the registry does not have
      good.subarray(0, good.length - 10), // truncated
      Buffer.from([0, 0, 0]), // shorter than a header
      Buffer.from('{"plain":"json"}'),
      good,
    ]);
    const { rows, source } = await inspect(topic, registry, 6);
    assert.equal(rows[0]?.valueSchema?.error, undefined);
    assert.match(rows[1]?.valueSchema?.error ?? '', /schema id 2000000000\) but cannot be decoded: Schema id 2000000000: .*not found/i);
    assert.equal(rows[1]?.valueKind, 'binary', 'the raw bytes are shown');
    assert.match(rows[2]?.valueSchema?.error ?? '', /do not decode with its AVRO schema .*Truncated|ends before/i);
    assert.match(rows[3]?.valueSchema?.error ?? '', /Truncated: 3 bytes/);
    assert.equal(rows[4]?.valueSchema, undefined, 'plain JSON is not in the wire format');
    assert.equal(rows[4]?.valueKind, 'json');
    assert.equal(rows[5]?.valueKind, 'json', 'a good row after bad ones is decoded');
    assert.match(source.status().message, /3 schema'd messages could not be decoded/);
    assert.equal(source.schemaLookups, 2, 'the known id and the unknown one, each once');
    source.dispose();
  });

  it('bad inputs: a registry that is down or answers HTML is asked once per id, and every row says why', async () => {
    const schema = await cache.bySubject(avro.subject, 'latest');
    const topic = await newTopic('registry-down');
    await produceWith(topic, AVRO_VALUES.map((v) => encodeValue(schema, v)));
    const down = await inspect(topic, new SchemaRegistryClient({ baseUrl: 'http://127.0.0.1:9', tries: 1, timeoutMs: 2000 }), 2);
    for (const row of down.rows) assert.match(row.valueSchema?.error ?? '', /cannot be decoded: Schema id \d+: .*127\.0\.0\.1:9/);
    assert.equal(down.source.schemaLookups, 1);
    down.source.dispose();
    // A web server that is not a registry (a real HTTP server, answering an HTML page to everything).
    const htmlServerForFault: Server = createServer((_, res) => { res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx</body></html>'); });
    await new Promise<void>((r) => { htmlServerForFault.listen(0, '127.0.0.1', r); });
    const port = (htmlServerForFault.address() as { port: number }).port;
    try {
      const html = await inspect(topic, new SchemaRegistryClient({ baseUrl: `http://127.0.0.1:${port}`, tries: 1 }), 2);
      for (const row of html.rows) assert.match(row.valueSchema?.error ?? '', /HTML/i);
      html.source.dispose();
    } finally {
      await new Promise<void>((r) => htmlServerForFault.close(() => { r(); }));
    }
  });

  it('bad inputs: a registry that serves the schema but not the subjects of its id still decodes, and says why the subject is blank', async () => {
    const schema = await cache.bySubject(avro.subject, 'latest');
    const down = new SchemaRegistryClient({ baseUrl: 'http://127.0.0.1:9', tries: 1, timeoutMs: 2000 });
    // The real registry for the schema, a registry that does not answer for GET /schemas/ids/{id}/versions.
    const halfSource: SchemaSource = {
      getSchemaById: (id) => registry.getSchemaById(id),
      getSubjectVersion: (subject, version) => registry.getSubjectVersion(subject, version),
      getSchemaVersions: (id) => down.getSchemaVersions(id),
    };
    const warnings: string[] = [];
    const half = new SchemaCache(halfSource, (message) => { warnings.push(message); });
    const lookup = await half.lookup(schema.id);
    assert.ok(lookup.ok, 'the schema itself was found');
    assert.equal(lookup.schema.subject, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', new RegExp(`Schema id ${schema.id} decodes, but the registry did not list the subjects .*127\\.0\\.0\\.1:9`));
    await half.lookup(schema.id);
    assert.equal(warnings.length, 1, 'said once per id, not once per row');
  });

  it('bad inputs on produce: a value that does not match the subject, and JSON that is not JSON, say which message and field', async () => {
    const schema = await cache.bySubject(avro.subject, 'latest');
    assert.throws(() => encodeValue(schema, { ...(AVRO_VALUES[0] as object), status: 'LOST', amount: 'a lot' }), (error: Error) => {
      assert.match(error.message, /does not match the Avro schema it\.shop\.Order/);
      assert.match(error.message, /\/status: must be one of \["NEW","PAID","SHIPPED"\]/);
      assert.match(error.message, /\/amount: must be decimal\(/);
      return true;
    });
    const encode = jsonEncoder(schema);
    encode({ value: JSON.stringify(AVRO_VALUES[0]) });
    assert.throws(() => encode({ value: '{"id": 1}' }), /Message 2: .*\/id: must be string/);
    assert.throws(() => encode({ value: 'not json' }), /Message 3: the value is not JSON/);
  });
});
