/**
 * The extension's schema registry client against a real registry: the stack's local one by
 * default, any other Confluent-API registry (Confluent's own in the Compose stack, Karapace,
 * Apicurio's /apis/ccompat/v7) through KAW_SCHEMA_REGISTRY_URL, with
 * KAW_SCHEMA_REGISTRY_USER/KAW_SCHEMA_REGISTRY_PASSWORD when it needs basic auth. It covers
 * the API the editor uses (types, subjects, versions, schemas by id with their subjects and
 * versions, references and referencedby, config global and per subject, verbose compatibility,
 * register, lookup, soft and hard delete) and Confluent's error codes, each reaching the user
 * as a sentence that says what to do. Faults a healthy registry cannot produce on demand (an
 * HTML page from a proxy, a sign-in wall) come from small local servers named ...ForFault;
 * the one behind the sign-in wall is the real registry.
 *
 *   bash stack/native/stack.sh up schema-registry
 *   node --import tsx --test test/integration/schemaRegistryConformance.test.ts
 *   KAW_SCHEMA_REGISTRY_URL=http://127.0.0.1:8081 node --import tsx --test test/integration/schemaRegistryConformance.test.ts
 *
 * Every subject it makes starts with a random prefix and is deleted permanently at the end.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SchemaRegistryClient, type RegistryAuth, type SchemaInput } from '../../src/schemas/registryClient';
import { RegistryErrorCode, SchemaRegistryAuthError, SchemaRegistryError, SchemaRegistryUnavailableError } from '../../src/schemas/registryErrors';
import { schemaTextProblem } from '../../src/schemas/presentation';

const URL_UNDER_TEST = (process.env['KAW_SCHEMA_REGISTRY_URL'] ?? 'http://127.0.0.1:8085').replace(/\/+$/, '');
const USER = process.env['KAW_SCHEMA_REGISTRY_USER'];
const PASSWORD = process.env['KAW_SCHEMA_REGISTRY_PASSWORD'];
const AUTH: RegistryAuth = USER !== undefined && PASSWORD !== undefined ? { kind: 'basic', username: USER, password: PASSWORD } : { kind: 'none' };
const PREFIX = `kaw-conformance-${randomUUID().slice(0, 8)}`;
const made = new Set<string>();

const client = new SchemaRegistryClient({ baseUrl: URL_UNDER_TEST, auth: AUTH, timeoutMs: 20_000 });

function subject(name: string): string {
  const full = `${PREFIX}-${name}`;
  made.add(full);
  return full;
}

const servers: Server[] = [];
async function startServerForFault(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Rejects with a SchemaRegistryError of this Confluent code whose sentence matches `sentence`. */
async function rejectsWithCode(promise: Promise<unknown>, code: number, sentence?: RegExp): Promise<SchemaRegistryError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof SchemaRegistryError, `expected a SchemaRegistryError, got ${String(caught)}`);
  assert.equal(caught.errorCode, code, caught.message);
  assert.ok(caught.message.includes(URL_UNDER_TEST), `the sentence names the registry: ${caught.message}`);
  if (sentence) assert.match(caught.message, sentence);
  return caught;
}

async function rejectsWithStatus(promise: Promise<unknown>, status: number, sentence: RegExp): Promise<SchemaRegistryError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof SchemaRegistryError, `expected a SchemaRegistryError, got ${String(caught)}`);
  assert.equal(caught.status, status, caught.message);
  assert.match(caught.message, sentence);
  return caught;
}

function avroRecord(name: string, fields: { name: string; type: unknown; default?: unknown }[]): SchemaInput {
  return { schema: JSON.stringify({ type: 'record', name, namespace: 'com.kaw.conformance', fields }) };
}

const ORDER_V1 = avroRecord('Order', [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }]);
/** Adds a field with a default: BACKWARD compatible. */
const ORDER_V2 = avroRecord('Order', [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'currency', type: 'string', default: 'EUR' }]);
/** Adds a field without a default: not BACKWARD compatible (the new reader cannot fill it from old data). */
const ORDER_BAD = avroRecord('Order', [{ name: 'id', type: 'string' }, { name: 'amount', type: 'double' }, { name: 'quantity', type: 'int' }]);

before(async () => {
  // Fail early with the client's own sentence when the registry is not there.
  await client.getSchemaTypes();
});

after(async () => {
  for (const server of servers) server.close();
  for (const name of made) {
    try {
      await client.deleteSubject(name);
    } catch {
      // already soft-deleted or never made: the permanent delete below says the rest
    }
    try {
      await client.deleteSubject(name, { permanent: true });
    } catch (error) {
      if (!(error instanceof SchemaRegistryError && error.errorCode === RegistryErrorCode.subjectNotFound)) throw error;
    }
  }
});

describe(`schema registry API at ${URL_UNDER_TEST}`, () => {
  it('serves the three schema types', async () => {
    const types = await client.getSchemaTypes();
    for (const type of ['AVRO', 'JSON', 'PROTOBUF']) assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
  });

  it('registers an Avro schema, reads it back by subject, version and id, and knows where its id is used', async () => {
    const orders = subject('orders-value');
    const id = await client.register(orders, ORDER_V1);
    assert.equal(await client.register(orders, ORDER_V1), id, 'registering the same schema again gives the same id');
    assert.ok((await client.listSubjects()).includes(orders));
    assert.deepEqual(await client.listVersions(orders), [1]);
    const latest = await client.getSubjectVersion(orders, 'latest');
    assert.equal(latest.subject, orders);
    assert.equal(latest.version, 1);
    assert.equal(latest.id, id);
    assert.equal(latest.schemaType, 'AVRO');
    assert.deepEqual(JSON.parse(latest.schema), JSON.parse(ORDER_V1.schema));
    const byId = await client.getSchemaById(id);
    assert.equal(byId.schemaType, 'AVRO');
    assert.deepEqual(JSON.parse(byId.schema), JSON.parse(ORDER_V1.schema));
    assert.ok((await client.getSchemaSubjects(id)).includes(orders));
    assert.ok((await client.getSchemaVersions(id)).some((v) => v.subject === orders && v.version === 1));
    const found = await client.lookup(orders, ORDER_V1);
    assert.equal(found.version, 1);
    assert.equal(found.id, id);
    assert.ok((await client.listSubjects({ prefix: PREFIX })).every((s) => s.startsWith(PREFIX)));
  });

  it('checks compatibility under the subject\'s level, with the registry\'s reasons, and refuses an incompatible version (409)', async () => {
    const orders = subject('compat-value');
    await client.register(orders, ORDER_V1);
    assert.equal(await client.setCompatibilityLevel('BACKWARD', orders), 'BACKWARD');
    assert.equal(await client.getCompatibilityLevel(orders), 'BACKWARD');

    assert.deepEqual(await client.testCompatibility(orders, ORDER_V2), { isCompatible: true, messages: [] });
    const bad = await client.testCompatibility(orders, ORDER_BAD);
    assert.equal(bad.isCompatible, false);
    assert.ok(bad.messages.length > 0, 'verbose answers say why');
    assert.match(bad.messages.join('\n'), /quantity/);
    assert.equal((await client.testCompatibility(orders, ORDER_BAD, 'all')).isCompatible, false);

    // Confluent answers error_code 409 (older releases) or 40901 (newer ones), always HTTP 409.
    const refused = await rejectsWithStatus(client.register(orders, ORDER_BAD), 409, /not compatible with the earlier versions/);
    assert.ok(refused.errorCode === RegistryErrorCode.incompatibleSchema || refused.errorCode === RegistryErrorCode.incompatibleSchemaDetailed, `error code ${String(refused.errorCode)}`);
    assert.deepEqual(await client.listVersions(orders), [1], 'nothing was registered');
    await client.register(orders, ORDER_V2);
    assert.deepEqual(await client.listVersions(orders), [1, 2]);
  });

  it('keeps a global level and per-subject levels that can be removed again', async () => {
    const global = await client.getCompatibilityLevel();
    const own = subject('config-value');
    await client.register(own, ORDER_V1);
    assert.equal(await client.getSubjectCompatibilityLevel(own), undefined, 'no level of its own yet');
    assert.equal(await client.getCompatibilityLevel(own, { defaultToGlobal: true }), global);
    await client.setCompatibilityLevel('FULL_TRANSITIVE', own);
    assert.equal(await client.getSubjectCompatibilityLevel(own), 'FULL_TRANSITIVE');
    assert.equal(await client.getCompatibilityLevel(), global, 'the global level did not move');
    await client.deleteSubjectCompatibilityLevel(own);
    assert.equal(await client.getSubjectCompatibilityLevel(own), undefined);
    // The global level is set back to what it was, so the suite leaves no trace.
    assert.equal(await client.setCompatibilityLevel(global), global);
  });

  it('registers JSON Schema and Protobuf schemas with their type', async () => {
    const json = subject('json-value');
    const jsonId = await client.register(json, { schemaType: 'JSON', schema: JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }) });
    assert.equal((await client.getSchemaById(jsonId)).schemaType, 'JSON');
    const proto = subject('proto-value');
    const protoText = 'syntax = "proto3";\npackage kaw.conformance;\n\nmessage Shipment {\n  string id = 1;\n  int32 parcels = 2;\n}\n';
    const protoId = await client.register(proto, { schemaType: 'PROTOBUF', schema: protoText });
    const version = await client.getSubjectVersion(proto, 1);
    assert.equal(version.schemaType, 'PROTOBUF');
    assert.equal(version.id, protoId);
    assert.match(version.schema, /message Shipment/);
  });

  it('resolves references, lists who references a schema, and refuses to delete a referenced one (42206)', async () => {
    const money = subject('money');
    await client.register(money, avroRecord('Money', [{ name: 'amount', type: 'double' }, { name: 'currency', type: 'string' }]));
    const invoice = subject('invoice-value');
    const invoiceId = await client.register(invoice, {
      schema: JSON.stringify({ type: 'record', name: 'Invoice', namespace: 'com.kaw.conformance', fields: [{ name: 'total', type: 'com.kaw.conformance.Money' }] }),
      references: [{ name: 'com.kaw.conformance.Money', subject: money, version: 1 }],
    });
    const read = await client.getSubjectVersion(invoice, 'latest');
    assert.deepEqual(read.references, [{ name: 'com.kaw.conformance.Money', subject: money, version: 1 }]);
    assert.deepEqual((await client.getSchemaById(invoiceId)).references, read.references);
    assert.deepEqual(await client.getReferencedBy(money, 1), [invoiceId]);
    await rejectsWithCode(client.deleteSubjectVersion(money, 1), RegistryErrorCode.referenceExists, /Other schemas reference this one/);
    // Cleanup order matters: the referrer first.
    await client.deleteSubject(invoice);
    await client.deleteSubject(invoice, { permanent: true });
  });

  it('soft-deletes and then hard-deletes versions and subjects, in Confluent\'s order', async () => {
    const doomed = subject('delete-value');
    await client.register(doomed, ORDER_V1);
    await client.setCompatibilityLevel('NONE', doomed);
    await client.register(doomed, ORDER_BAD);
    assert.deepEqual(await client.listVersions(doomed), [1, 2]);

    await rejectsWithCode(client.deleteSubjectVersion(doomed, 2, { permanent: true }), RegistryErrorCode.versionNotSoftDeleted, /must be deleted \(soft\) before/);
    assert.equal(await client.deleteSubjectVersion(doomed, 2), 2);
    assert.deepEqual(await client.listVersions(doomed), [1]);
    assert.deepEqual(await client.listVersions(doomed, { deleted: true }), [1, 2]);
    await rejectsWithCode(client.getSubjectVersion(doomed, 2), RegistryErrorCode.versionNotFound, /Check the version/);
    assert.equal((await client.getSubjectVersion(doomed, 2, { deleted: true })).version, 2);
    assert.equal(await client.deleteSubjectVersion(doomed, 2, { permanent: true }), 2);
    assert.deepEqual(await client.listVersions(doomed, { deleted: true }), [1]);

    await rejectsWithCode(client.deleteSubject(doomed, { permanent: true }), RegistryErrorCode.subjectNotSoftDeleted, /must be deleted \(soft\) before/);
    assert.deepEqual(await client.deleteSubject(doomed), [1]);
    assert.ok(!(await client.listSubjects()).includes(doomed));
    assert.ok((await client.listSubjects({ deleted: true })).includes(doomed));
    assert.deepEqual(await client.deleteSubject(doomed, { permanent: true }), [1]);
    assert.ok(!(await client.listSubjects({ deleted: true })).includes(doomed));
    await rejectsWithCode(client.listVersions(doomed), RegistryErrorCode.subjectNotFound, /Check the subject name/);
  });
});

describe('bad inputs, each with a clear error', () => {
  it('a schema id that does not exist (40403) says the registry does not have it', async () => {
    const error = await rejectsWithCode(client.getSchemaById(2_000_000_000), RegistryErrorCode.schemaNotFound, /schema id this registry does not have/);
    assert.equal(error.status, 404);
  });

  it('a subject or version that does not exist (40401, 40402)', async () => {
    await rejectsWithCode(client.getSubjectVersion(`${PREFIX}-absent`, 'latest'), RegistryErrorCode.subjectNotFound);
    const present = subject('versions-value');
    await client.register(present, ORDER_V1);
    await rejectsWithCode(client.getSubjectVersion(present, 99), RegistryErrorCode.versionNotFound);
    await rejectsWithCode(client.lookup(present, ORDER_V2), RegistryErrorCode.schemaNotFound);
  });

  it('a malformed .avsc is caught before sending, with line and column; the registry refuses a broken one too (42201)', async () => {
    const text = '{"type": "record", "name": "Broken", "fields": [{"name": "id", "type": "strin"}]}';
    assert.equal(schemaTextProblem('AVRO', text, 'broken.avsc'), undefined, 'it is JSON: only the registry can tell');
    await rejectsWithCode(client.register(subject('broken-avro-value'), { schema: text }), RegistryErrorCode.invalidSchema, /Fix the schema text/);
    const notJson = '{"type": "record", "name": "Broken",\n "fields": [}';
    assert.match(schemaTextProblem('AVRO', notJson, 'broken.avsc') ?? '', /broken\.avsc is not valid JSON at line 2, column/);
    await rejectsWithCode(client.register(subject('broken-json-value'), { schema: notJson }), RegistryErrorCode.invalidSchema);
  });

  it('a malformed .proto is refused with the registry\'s reason (42201)', async () => {
    const broken = 'syntax = "proto3";\nmessage Broken {\n  strng id = 1\n}\n';
    await rejectsWithCode(client.register(subject('broken-proto-value'), { schemaType: 'PROTOBUF', schema: broken }), RegistryErrorCode.invalidSchema, /Fix the schema text/);
  });

  it('an unknown compatibility level is refused (42203)', async () => {
    const orders = subject('level-value');
    await client.register(orders, ORDER_V1);
    // Typed input cannot send it; a raw request does, as a script or an older editor might.
    const response = await fetch(`${URL_UNDER_TEST}/config/${encodeURIComponent(orders)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...(AUTH.kind === 'basic' ? { authorization: `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString('base64')}` } : {}) },
      body: JSON.stringify({ compatibility: 'SOMETIMES' }),
    });
    assert.equal(response.status, 422);
    assert.equal(((await response.json()) as { error_code: number }).error_code, RegistryErrorCode.invalidCompatibilityLevel);
  });

  it('a registry that is not running: refused, with what to do', async () => {
    const closed = await startServerForFault(() => undefined);
    const server = servers.pop();
    await new Promise<void>((resolve) => server?.close(() => { resolve(); }));
    const down = new SchemaRegistryClient({ baseUrl: closed, tries: 1 });
    await assert.rejects(down.listSubjects(), (error: Error) => error instanceof SchemaRegistryUnavailableError
      && error.message.startsWith(`The schema registry at ${closed} refused the connection`) && /Is it running\?/.test(error.message));
  });

  it('an address that answers HTML (a proxy or a web app, not the registry)', async () => {
    const url = await startServerForFault((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html><head><title>Welcome to nginx!</title></head><body></body></html>');
    });
    const wrong = new SchemaRegistryClient({ baseUrl: url });
    await assert.rejects(wrong.getSchemaById(1), (error: Error) => error instanceof SchemaRegistryUnavailableError
      && /answered GET \/schemas\/ids\/1 with an HTML page titled "Welcome to nginx!"/.test(error.message) && /Check the URL/.test(error.message));
  });

  it('wrong credentials: refused with the user named and the password never shown', async () => {
    let url = URL_UNDER_TEST;
    let user = USER;
    if (AUTH.kind === 'none') {
      // The registry under test has no sign-in: put the real registry behind one.
      user = 'workbench';
      const expected = `Basic ${Buffer.from('workbench:right-password').toString('base64')}`;
      url = await startServerForFault((request, response) => {
        if (request.headers.authorization !== expected) {
          response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="SchemaRegistry"' }).end('{"error_code":401,"message":"Unauthorized"}');
          return;
        }
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          void fetch(`${URL_UNDER_TEST}${request.url ?? '/'}`, { method: request.method ?? 'GET', headers: { 'content-type': request.headers['content-type'] ?? 'application/json' }, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
            .then(async (answer) => { response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text()); })
            .catch((error: unknown) => { response.writeHead(502).end(String(error)); });
        });
      });
      const signedIn = new SchemaRegistryClient({ baseUrl: url, auth: { kind: 'basic', username: 'workbench', password: 'right-password' } });
      assert.ok(Array.isArray(await signedIn.listSubjects()), 'the right password goes through to the registry');
    }
    const wrong = new SchemaRegistryClient({ baseUrl: url, auth: { kind: 'basic', username: user ?? 'workbench', password: 'wrong-password-123' } });
    await assert.rejects(wrong.listSubjects(), (error: Error) => error instanceof SchemaRegistryAuthError
      && error.message.includes(`refused the password of user "${user ?? ''}"`) && !error.message.includes('wrong-password-123'));
    const anonymous = new SchemaRegistryClient({ baseUrl: url });
    await assert.rejects(anonymous.listSubjects(), /refused a request without credentials\. It needs them/);
  });
});
