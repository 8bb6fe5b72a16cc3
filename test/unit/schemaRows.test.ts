/**
 * The pure parts of the Schemas rows and commands: which subjects belong to a topic, how a
 * schema is shown and which kind a file holds, the local check of a file before it is sent
 * (with line and column), the sentences of rows and of a failed compatibility check; and the
 * registry entry of a Kafka connection: its validation, the secret's identity (bound to the
 * registry's URL, sign-in and user, not to the connection's name) and the edit wizard's plan.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { registryTestSummary } from '../../src/schemas/connectionTest';
import {
  defaultSubjectFor,
  detectSchemaType,
  incompatibleMessage,
  jsonErrorOffset,
  mapLimited,
  schemaDocumentText,
  schemaFileExtension,
  schemaTextProblem,
  subjectDescription,
  subjectsOfTopic,
} from '../../src/schemas/presentation';
import { planSecrets, registryEditState, registryFromEdit, registryUrlProblem, withRegistry } from '../../src/shared/connectionEdit';
import { parseKafkaConnections, type KafkaConnection } from '../../src/shared/connections';
import { schemaRegistrySecretNeeds, schemaRegistryTarget, secretKeyOf } from '../../src/shared/credentials';
import { localStack } from '../../src/stack/localStack';

describe('subjects of a topic', () => {
  const subjects = ['orders-value', 'orders-key', 'orders-archive-value', 'orders-com.acme.Refund', 'payments-value', 'com.acme.Shipment'];

  it('finds TopicNameStrategy key and value subjects, and TopicRecordNameStrategy ones, not those of a longer topic name', () => {
    assert.deepEqual(subjectsOfTopic('orders', subjects), [
      { subject: 'orders-key', part: 'key', strategy: 'TopicNameStrategy' },
      { subject: 'orders-value', part: 'value', strategy: 'TopicNameStrategy' },
      { subject: 'orders-com.acme.Refund', strategy: 'TopicRecordNameStrategy' },
    ]);
    assert.deepEqual(subjectsOfTopic('orders-archive', subjects).map((s) => s.subject), ['orders-archive-value']);
    assert.deepEqual(subjectsOfTopic('absent', subjects), []);
  });

  it('adds the RecordNameStrategy subjects found on the topic\'s messages, once', () => {
    const found = subjectsOfTopic('payments', subjects, ['com.acme.Shipment', 'com.acme.Shipment', 'payments-value']);
    assert.deepEqual(found, [
      { subject: 'payments-value', part: 'value', strategy: 'TopicNameStrategy' },
      { subject: 'com.acme.Shipment', strategy: 'RecordNameStrategy' },
    ]);
  });
});

describe('schema documents and files', () => {
  it('pretty-prints Avro and JSON Schema, keeps .proto text, and names the extension', () => {
    assert.equal(schemaDocumentText('AVRO', '{"type":"record","name":"A","fields":[]}'), '{\n  "type": "record",\n  "name": "A",\n  "fields": []\n}\n');
    assert.equal(schemaDocumentText('PROTOBUF', 'syntax = "proto3";'), 'syntax = "proto3";\n');
    assert.deepEqual((['AVRO', 'PROTOBUF', 'JSON'] as const).map(schemaFileExtension), ['.avsc', '.proto', '.json']);
  });

  it('tells Avro, Protobuf and JSON Schema apart by name, then by content', () => {
    assert.equal(detectSchemaType('order.avsc', '{}'), 'AVRO');
    assert.equal(detectSchemaType('order.proto', ''), 'PROTOBUF');
    assert.equal(detectSchemaType('order.json', '{"$schema":"http://json-schema.org/draft-07/schema#","type":"object"}'), 'JSON');
    assert.equal(detectSchemaType('order.json', '{"type":"record","name":"Order","fields":[]}'), 'AVRO');
    assert.equal(detectSchemaType('Untitled-1', 'syntax = "proto3";\nmessage A { string id = 1; }'), 'PROTOBUF');
    assert.equal(detectSchemaType('Untitled-1', 'hello'), undefined);
  });

  it('says where a malformed .avsc breaks, and that an empty or message-less .proto is not a schema', () => {
    const problem = schemaTextProblem('AVRO', '{\n  "type": "record",\n  "name": "A"\n  "fields": []\n}', 'order.avsc') ?? '';
    assert.match(problem, /^order\.avsc is not valid JSON at line 4, column 3/);
    assert.match(problem, /not an Avro schema/);
    assert.match(schemaTextProblem('PROTOBUF', 'syntax = "proto3";', 'a.proto') ?? '', /declares no message, enum or service/);
    assert.match(schemaTextProblem('JSON', '   ', 'a.json') ?? '', /is empty/);
    assert.equal(schemaTextProblem('AVRO', '"string"', 'a.avsc'), undefined);
    assert.match(schemaTextProblem('AVRO', '{"type": "record", "name": "Broken",\n "fields": [}', 'b.avsc') ?? '', /at line 2, column 13 \(unexpected "}"\)/);
    assert.match(schemaTextProblem('JSON', '{"type": "object", "properties": {', 'c.json') ?? '', /at line 1, column 35 \(the text ends too early\)/);
    assert.match(schemaTextProblem('AVRO', '{"type": "string"} x', 'd.avsc') ?? '', /at line 1, column 20 \(unexpected "x"\)/);
  });

  it('finds where a text stops being JSON, and nothing in valid JSON', () => {
    for (const valid of ['{"a": [1, -2.5e3, true, false, null, "x\\"y"]}', ' [] ', '"s"']) assert.equal(jsonErrorOffset(valid), -1, valid);
    assert.equal(jsonErrorOffset('{"a" 1}'), 5);
    assert.equal(jsonErrorOffset('[1,]'), 3);
  });

  it('describes subjects and failed checks in words', () => {
    const summary = { schemaType: 'AVRO' as const, latestVersion: 3, latestId: 12, versions: 3, ownLevel: undefined, globalLevel: 'BACKWARD' as const };
    assert.equal(subjectDescription(summary), 'Avro · v3 · BACKWARD (global)');
    assert.equal(subjectDescription({ ...summary, ownLevel: 'FULL' }), 'Avro · v3 · FULL');
    assert.equal(incompatibleMessage('orders-value', 'BACKWARD', ['READER_FIELD_MISSING_DEFAULT_VALUE: qty']),
      'The schema is not compatible with subject "orders-value" under BACKWARD. Nothing was registered. The registry says:\n• READER_FIELD_MISSING_DEFAULT_VALUE: qty');
    assert.equal(defaultSubjectFor('/work/schemas/orders.avsc'), 'orders-value');
    assert.equal(registryTestSummary('Local stack', 'http://127.0.0.1:8085', { types: ['PROTOBUF', 'AVRO', 'JSON'], compatibility: 'BACKWARD', subjects: 1, elapsedMs: 9 }),
      'Schema registry of "Local stack" at http://127.0.0.1:8085: AVRO, JSON, PROTOBUF, compatibility BACKWARD, 1 subject, answered in 9 ms.');
  });

  it('runs at most the limit at once and keeps the order', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
  });
});

describe('the schema registry of a Kafka connection', () => {
  const base = { name: 'prod', brokers: ['k1:9092'] };

  it('reads url, auth and user; refuses a URL with a password and basic auth without a user', () => {
    const parsed = parseKafkaConnections([
      { ...base, schemaRegistry: { url: 'https://sr.example/apis/ccompat/v7/', auth: 'basic', username: 'svc' } },
      { name: 'b', brokers: ['k:9092'], schemaRegistry: { url: 'http://u:p@sr:8081' } },
      { name: 'c', brokers: ['k:9092'], schemaRegistry: { url: 'http://sr:8081', auth: 'basic' } },
      { name: 'd', brokers: ['k:9092'], schemaRegistry: { url: 'http://sr:8081', auth: 'kerberos' } },
    ]);
    assert.deepEqual(parsed.value.map((c) => c.schemaRegistry), [{ url: 'https://sr.example/apis/ccompat/v7', auth: 'basic', username: 'svc' }]);
    assert.equal(parsed.problems.length, 3);
    assert.match(parsed.problems[0] ?? '', /"b": Leave the user and password out of the URL/);
    assert.match(parsed.problems[1] ?? '', /"c": schemaRegistry basic authentication needs "username"/);
    assert.match(parsed.problems[2] ?? '', /"d": schemaRegistry "auth" must be one of none, basic, bearer/);
  });

  it('binds the secret to the registry URL, sign-in and user, not to the connection name or brokers', () => {
    const a: KafkaConnection = { ...base, ssl: false, saslMechanism: 'none', schemaRegistry: { url: 'https://SR.example:443/', auth: 'basic', username: 'svc' } };
    const renamed = { ...a, name: 'renamed', brokers: ['other:9092'] };
    const otherUser = { ...a, schemaRegistry: { url: 'https://sr.example:443', auth: 'basic' as const, username: 'admin' } };
    const key = (c: KafkaConnection): string => secretKeyOf(schemaRegistrySecretNeeds(c)[0]?.target ?? assert.fail('no need'));
    assert.equal(key(a), key(renamed));
    assert.notEqual(key(a), key(otherUser));
    assert.equal(schemaRegistrySecretNeeds({ ...a, schemaRegistry: { url: 'http://sr', auth: 'none' } }).length, 0);
    assert.equal(schemaRegistryTarget('x', { url: 'http://sr', auth: 'bearer' })?.kind, 'schemaRegistry.token');
  });

  it('the wizard: an empty URL removes the registry; a new URL asks for the secret again', () => {
    const original: KafkaConnection = { ...base, ssl: false, saslMechanism: 'none', schemaRegistry: { url: 'http://sr-1:8081', auth: 'bearer' } };
    const state = registryEditState(original);
    assert.deepEqual(state, { url: 'http://sr-1:8081', auth: 'bearer', username: '', secrets: {} });
    assert.equal(withRegistry(original, registryFromEdit({ ...state, url: '' })).schemaRegistry, undefined);
    assert.equal(registryUrlProblem(''), undefined);
    assert.match(registryUrlProblem('sr-1:8081') ?? '', /not a schema registry URL/);
    const before = schemaRegistrySecretNeeds(original);
    const moved = withRegistry(original, registryFromEdit({ ...state, url: 'http://sr-2:8081' }));
    const [plan] = planSecrets(before, schemaRegistrySecretNeeds(moved), () => true);
    assert.equal(plan?.action, 'targetChanged');
    const [same] = planSecrets(before, schemaRegistrySecretNeeds(withRegistry(original, registryFromEdit(state))), () => true);
    assert.equal(same?.action, 'keep');
  });

  it('the stack\'s Kafka connection uses the stack\'s registry, with no sign-in', () => {
    assert.deepEqual(localStack.kafka.schemaRegistry, { url: 'http://127.0.0.1:8085', auth: 'none' });
    assert.deepEqual(parseKafkaConnections([localStack.kafka]).problems, []);
  });
});
