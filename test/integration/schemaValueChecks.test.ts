/**
 * Checking values against a subject as the editor does, with the schemas of the real registry
 * on the native stack (KAW_SCHEMA_REGISTRY_URL, default 127.0.0.1:8085): an Avro and a Protobuf
 * subject are registered, then
 * - the producer form's check of a value (the host's preview) says which field does not fit,
 *   and a value that fits passes;
 * - a template file that names the subject gets its problems on the field's own line and
 *   column, with placeholders counted as what they render to; a good template has none;
 * - completion offers the subject's field names (nested records too) and enum symbols;
 * - a subject the registry does not have, or a version it does not have, says so.
 * The subjects are deleted (soft, then hard) afterwards, so the test runs again on a used stack.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SchemaCache } from '../../src/schemas/serdes';
import { schemaForProduce, valueProblems } from '../../src/schemas/schemaProduce';
import { firstRegistryWith, subjectCheckOf, subjectTemplates, templateValueProblems, valuePlaceAt } from '../../src/schemas/templateSubjects';
import { fieldSuggestions, valueSuggestions } from '../../src/schemas/valueCheck';
import { SchemaRegistryClient } from '../../src/schemas/registryClient';
import { nativeRegistry, requireRegistry } from '../support/registry';

const run = randomUUID().slice(0, 8);
const registry = nativeRegistry();
const subjects: string[] = [];

const CUSTOMER_AVRO = JSON.stringify({
  type: 'record', name: 'Customer', namespace: 'it.crm',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['GOLD', 'SILVER', 'BRONZE'] } },
    { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'street', type: 'string' }, { name: 'zip', type: 'int' }] } },
    { name: 'since', type: { type: 'int', logicalType: 'date' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

const SHIPMENT_PROTO = `syntax = "proto3";
package it.logistics;
message Shipment {
  string id = 1;
  Carrier carrier = 2;
  int32 parcels = 3;
  enum Carrier { CARRIER_UNSPECIFIED = 0; DHL = 1; UPS = 2; }
}
`;

async function register(name: string, schemaType: 'AVRO' | 'PROTOBUF', schema: string): Promise<string> {
  const subject = `it-checks-${run}-${name}`;
  await registry.register(subject, { schema, schemaType });
  subjects.push(subject);
  return subject;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${(before[before.length - 1] ?? '').length + 1}`;
}

describe('values checked against a subject of the real registry, as the producer form and template files do', { timeout: 120_000 }, () => {
  let customers = '';
  let shipments = '';
  const cache = new SchemaCache(registry);

  before(async () => {
    await requireRegistry(registry);
    customers = await register('customers-value', 'AVRO', CUSTOMER_AVRO);
    shipments = await register('shipments-value', 'PROTOBUF', SHIPMENT_PROTO);
  });

  after(async () => {
    for (const subject of subjects.reverse()) {
      try {
        await registry.deleteSubject(subject);
        await registry.deleteSubject(subject, { permanent: true });
      } catch (error) {
        console.warn(`# left subject ${subject} in the registry: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  });

  it('the producer form: a value that does not fit names its fields; one that fits has no problems', async () => {
    const schema = await schemaForProduce(cache, { subject: customers, version: 'latest' });
    const bad = valueProblems(schema, JSON.stringify({ id: 'c1', tier: 'PLATINUM', address: { street: 'Main', zip: '12A' }, since: '2024-13' }));
    assert.ok(bad.includes('/address/zip: must be integer'), bad.join('\n'));
    assert.ok(bad.includes('/tier: must be one of ["GOLD","SILVER","BRONZE"]'), bad.join('\n'));
    assert.ok(bad.some((p) => p.startsWith('/since: ')), bad.join('\n'));
    assert.deepEqual(valueProblems(schema, JSON.stringify({ id: 'c1', tier: 'GOLD', address: { street: 'Main', zip: 12345 }, since: '2024-05-01', note: null })), []);
    const notJson = valueProblems(schema, '{"id": ');
    assert.equal(notJson.length, 1);
    assert.match(notJson[0] ?? '', /^The value is not JSON: /);
  });

  it('a template file that names the Avro subject: problems on the field\'s line and column; placeholders count as what they render to', async () => {
    const text = [
      '{',
      '  "topic": "customers",',
      `  "subject": "${customers}",`,
      '  "count": 5,',
      '  "value": {',
      '    "id": "c-{{seq}}",',
      '    "tier": "GOLD",',
      '    "address": { "street": "{{faker.location.street}}", "zip": "{{faker.location.city}}" },',
      '    "since": "{{faker.number.int(9)}}"',
      '  }',
      '}',
    ].join('\n');
    const [entry] = subjectTemplates(text);
    assert.ok(entry);
    const check = subjectCheckOf(await schemaForProduce(cache, entry.subject));
    const problems = templateValueProblems(text, entry, check);
    assert.deepEqual(problems.map((p) => [lineAndColumn(text, p.offset), text.slice(p.offset, p.offset + p.length), p.message]), [
      ['8:64', '"{{faker.location.city}}"', `/address/zip: must be integer (${customers} v1)`],
      ['9:14', '"{{faker.number.int(9)}}"', `/since: must be string (${customers} v1)`],
    ]);
    const good = text.replace('"{{faker.location.city}}"', '"{{faker.number.int(99999)}}"').replace('"{{faker.number.int(9)}}"', '"2024-05-01"');
    const [goodEntry] = subjectTemplates(good);
    assert.ok(goodEntry);
    assert.deepEqual(templateValueProblems(good, goodEntry, check), []);
  });

  it('a template file that names the Protobuf subject and its version: an enum name it does not have is marked', async () => {
    const text = `{ "topic": "shipments", "subject": "${shipments}", "subjectVersion": 1, "value": { "id": "s1", "carrier": "FEDEX", "parcels": 2 } }`;
    const [entry] = subjectTemplates(text);
    assert.ok(entry);
    assert.deepEqual(entry.subject, { subject: shipments, version: 1 });
    const problems = templateValueProblems(text, entry, subjectCheckOf(await schemaForProduce(cache, entry.subject)));
    assert.deepEqual(problems.map((p) => [text.slice(p.offset, p.offset + p.length), p.message]), [
      ['"FEDEX"', `/carrier: must be one of ["CARRIER_UNSPECIFIED","DHL","UPS"] (${shipments} v1)`],
    ]);
  });

  it('completion in a half-typed template: the subject\'s fields at each level, and its enum symbols', async () => {
    const typing = `{ "topic": "customers", "subject": "${customers}", "value": { "id": "c1", "address": { "" } } }`;
    const nested = valuePlaceAt(typing, typing.indexOf('"" }') + 1);
    assert.ok(nested?.atKey);
    const schema = (await schemaForProduce(cache, nested.subject)).serde.jsonSchema();
    assert.deepEqual(fieldSuggestions(schema, nested.path, nested.present).map((f) => `${f.name}: ${f.detail}`), ['street: string', 'zip: integer']);
    const top = typing.replace('"address": { "" }', '""');
    const place = valuePlaceAt(top, top.indexOf('"" }') + 1);
    assert.ok(place?.atKey);
    assert.deepEqual(fieldSuggestions(schema, place.path, place.present).map((f) => f.name), ['tier', 'address', 'since', 'note']);
    const protoSchema = (await schemaForProduce(cache, { subject: shipments, version: 'latest' })).serde.jsonSchema();
    assert.deepEqual(valueSuggestions(protoSchema, ['carrier']), ['CARRIER_UNSPECIFIED', 'DHL', 'UPS']);
  });

  it('a subject or a version the registry does not have says so, with the subject\'s name', async () => {
    await assert.rejects(schemaForProduce(cache, { subject: `${customers}-missing`, version: 'latest' }), (error: Error) => {
      assert.match(error.message, new RegExp(`The subject ${customers}-missing \\(version latest\\) cannot be used: .*not found`, 'i'));
      return true;
    });
    await assert.rejects(schemaForProduce(cache, { subject: customers, version: 7 }), /cannot be used: .*version/i);
  });

  it('a template is checked against the first registry that has its subject; when none has it, each registry says why', async () => {
    // Two Kafka connections' registries: one that does not answer (nothing listens on port 9), then the stack's.
    const caches = new Map([
      ['old-cluster', new SchemaCache(new SchemaRegistryClient({ baseUrl: 'http://127.0.0.1:9', tries: 1, timeoutMs: 2000 }))],
      ['local', cache],
    ]);
    const ask = (subject: string) => (name: string) => schemaForProduce(caches.get(name) as SchemaCache, { subject, version: 'latest' });
    const found = await firstRegistryWith([...caches.keys()], customers, ask(customers));
    assert.ok(found.ok, found.ok ? '' : found.message);
    assert.equal(found.registry, 'local');
    assert.equal(found.value.subject, customers);
    const missing = await firstRegistryWith([...caches.keys()], `${customers}-missing`, ask(`${customers}-missing`));
    assert.ok(!missing.ok);
    assert.match(missing.message, new RegExp(`None of the 2 registries could give ${customers}-missing\\. Registry of "old-cluster": .*127\\.0\\.0\\.1:9.* Registry of "local": .*not found`, 'i'));
    const none = await firstRegistryWith([], customers, ask(customers));
    assert.ok(!none.ok);
    assert.match(none.message, /No Kafka connection has a schema registry/);
  });
});
