/**
 * The schema registry client's parsing and errors: answers validated field by field (Avro's
 * missing schemaType, references, verbose compatibility), Confluent's error codes turned into
 * sentences that say what to do, and the faults the real registry cannot be made to produce on
 * demand (an HTML page from a proxy, a 401, a stall past the timeout, a closed port) from tiny
 * local HTTP servers whose names say they are fakes. The API itself is covered against the
 * stack's registry by test/integration/schemaRegistryConformance.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import {
  authorizationHeader,
  describeRegistryBody,
  normalizeRegistryUrl,
  parseCompatibility,
  parseCompatibilityLevel,
  parseRegistryErrorBody,
  parseSchemaById,
  parseSubjectVersion,
  SchemaRegistryClient,
} from '../../src/schemas/registryClient';
import { registryRemedy, SchemaRegistryAuthError, SchemaRegistryError, SchemaRegistryUnavailableError } from '../../src/schemas/registryErrors';

const servers: Server[] = [];
after(() => { for (const server of servers) server.close(); });

async function startFakeServerForFault(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const BASE = 'http://registry.test';

describe('schema registry answers', () => {
  it('reads a subject version; an Avro schema has no schemaType field', () => {
    const version = parseSubjectVersion({ subject: 'orders-value', version: 3, id: 7, schema: '{"type":"string"}' }, 'GET /x', BASE);
    assert.deepEqual(version, { subject: 'orders-value', version: 3, id: 7, schemaType: 'AVRO', schema: '{"type":"string"}' });
  });

  it('keeps references and the schema type of Protobuf and JSON schemas', () => {
    const version = parseSubjectVersion({
      subject: 'p', version: 1, id: 2, schemaType: 'PROTOBUF', schema: 'syntax = "proto3";',
      references: [{ name: 'common.proto', subject: 'common', version: 4 }],
    }, 'GET /x', BASE);
    assert.equal(version.schemaType, 'PROTOBUF');
    assert.deepEqual(version.references, [{ name: 'common.proto', subject: 'common', version: 4 }]);
    assert.equal(parseSchemaById({ schema: '{}', schemaType: 'JSON' }, 12, 'GET /schemas/ids/12', BASE).id, 12);
  });

  it('says which field is wrong when a registry answers something else', () => {
    assert.throws(() => parseSubjectVersion({ subject: 'a', version: '1', id: 1, schema: '' }, 'GET /subjects/a/versions/1', BASE),
      (error: Error) => error instanceof SchemaRegistryUnavailableError && /"version" is not a whole number/.test(error.message) && /GET \/subjects\/a\/versions\/1/.test(error.message));
    assert.throws(() => parseSchemaById({ schema: 'x', schemaType: 'THRIFT' }, 1, 'GET /schemas/ids/1', BASE), /unknown schemaType "THRIFT"/);
  });

  it('reads verbose compatibility answers and both spellings of a level', () => {
    assert.deepEqual(parseCompatibility({ is_compatible: false, messages: ['READER_FIELD_MISSING_DEFAULT_VALUE: qty'] }, 'POST /c', BASE),
      { isCompatible: false, messages: ['READER_FIELD_MISSING_DEFAULT_VALUE: qty'] });
    assert.deepEqual(parseCompatibility({ is_compatible: true }, 'POST /c', BASE), { isCompatible: true, messages: [] });
    assert.equal(parseCompatibilityLevel({ compatibilityLevel: 'FULL_TRANSITIVE' }, 'GET /config', BASE), 'FULL_TRANSITIVE');
    assert.equal(parseCompatibilityLevel({ compatibility: 'none' }, 'PUT /config', BASE), 'NONE');
    assert.throws(() => parseCompatibilityLevel({ compatibilityLevel: 'SOMETIMES' }, 'GET /config', BASE), /unknown compatibility level "SOMETIMES"/);
  });

  it('reads Confluent error bodies and describes anything else', () => {
    assert.deepEqual(parseRegistryErrorBody('{"error_code":40401,"message":"Subject \'x\' not found."}'), { errorCode: 40401, message: 'Subject \'x\' not found.' });
    assert.deepEqual(parseRegistryErrorBody('<html></html>'), { errorCode: undefined, message: undefined });
    assert.equal(describeRegistryBody('<!DOCTYPE html><html><head><title>Sign in</title></head></html>', 'text/html'), 'an HTML page titled "Sign in"');
    assert.equal(describeRegistryBody('', 'application/json'), 'an empty body');
    assert.match(registryRemedy(409) ?? '', /not compatible/);
    assert.match(registryRemedy(40403) ?? '', /schema id this registry does not have/);
    assert.equal(registryRemedy(12345), undefined);
  });
});

describe('schema registry settings', () => {
  it('keeps Apicurio\'s base path and drops trailing slashes', () => {
    assert.equal(normalizeRegistryUrl(' https://apicurio.example/apis/ccompat/v7/ '), 'https://apicurio.example/apis/ccompat/v7');
    const client = new SchemaRegistryClient({ baseUrl: 'https://apicurio.example/apis/ccompat/v7/' });
    assert.equal(client.url('/subjects/a%2Fb/versions', { deleted: true }), 'https://apicurio.example/apis/ccompat/v7/subjects/a%2Fb/versions?deleted=true');
  });

  it('refuses URLs that are not http(s) or that carry a password', () => {
    assert.throws(() => normalizeRegistryUrl('localhost:8085'), /must start with http/);
    assert.throws(() => normalizeRegistryUrl('not a url'), /is not a URL/);
    assert.throws(() => normalizeRegistryUrl('http://alice:secret@host:8081'), (error: Error) => /secret storage/.test(error.message) && !error.message.includes('secret@'));
  });

  it('builds basic and bearer headers', () => {
    assert.equal(authorizationHeader({ kind: 'basic', username: 'alice', password: 'p:w' }), `Basic ${Buffer.from('alice:p:w').toString('base64')}`);
    assert.equal(authorizationHeader({ kind: 'bearer', token: 'abc' }), 'Bearer abc');
    assert.equal(authorizationHeader({ kind: 'none' }), undefined);
  });
});

describe('schema registry faults', () => {
  it('an unreachable registry says it refused the connection and to start it', async () => {
    const url = await startFakeServerForFault(() => undefined);
    servers.pop()?.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const client = new SchemaRegistryClient({ baseUrl: url, tries: 1 });
    await assert.rejects(client.listSubjects(), (error: Error) => error instanceof SchemaRegistryUnavailableError && /refused the connection/.test(error.message) && error.message.includes(url));
  });

  it('an HTML page (a proxy or login wall) is named, not parsed', async () => {
    const url = await startFakeServerForFault((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<html><head><title>Corporate Login</title></head><body>Sign in</body></html>');
    });
    const client = new SchemaRegistryClient({ baseUrl: url });
    await assert.rejects(client.listSubjects(), (error: Error) => error instanceof SchemaRegistryUnavailableError
      && /HTML page titled "Corporate Login"/.test(error.message) && /Check the URL/.test(error.message));
  });

  it('an HTML 404 (the registry\'s path is wrong) says to check the URL', async () => {
    const url = await startFakeServerForFault((_request, response) => { response.writeHead(404, { 'content-type': 'text/html' }).end('<html><title>Not Found</title></html>'); });
    await assert.rejects(new SchemaRegistryClient({ baseUrl: url }).getSchemaById(1), (error: Error) => error instanceof SchemaRegistryUnavailableError && /ccompat\/v7/.test(error.message));
  });

  it('a 401 names the user and offers the re-enter action; the header was sent', async () => {
    let seen: string | undefined;
    const url = await startFakeServerForFault((request, response) => {
      seen = request.headers.authorization;
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error_code":401,"message":"Unauthorized"}');
    });
    const action = { title: 'Enter Registry Password', command: 'x.enter', args: ['local'] };
    const client = new SchemaRegistryClient({ baseUrl: url, auth: { kind: 'basic', username: 'alice', password: 'wrong' }, reenterCredentialsAction: action });
    await assert.rejects(client.listSubjects(), (error: Error) => error instanceof SchemaRegistryAuthError
      && /refused the password of user "alice"/.test(error.message) && error.actions[0] === action && !error.message.includes('wrong'));
    assert.equal(seen, `Basic ${Buffer.from('alice:wrong').toString('base64')}`);
  });

  it('a 401 without credentials says to set them up', async () => {
    const url = await startFakeServerForFault((_request, response) => { response.writeHead(401).end(); });
    await assert.rejects(new SchemaRegistryClient({ baseUrl: url }).listSubjects(), /without credentials\. It needs them/);
  });

  it('a registry that stalls past the timeout is reported within it', async () => {
    const url = await startFakeServerForFault(() => { /* never answers */ });
    const client = new SchemaRegistryClient({ baseUrl: url, timeoutMs: 150 });
    const started = Date.now();
    await assert.rejects(client.listSubjects(), /did not answer GET \/subjects within 150 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  it('a Confluent error code keeps its code and gets its remedy', async () => {
    const url = await startFakeServerForFault((_request, response) => {
      response.writeHead(422, { 'content-type': 'application/vnd.schemaregistry.v1+json' }).end('{"error_code":42201,"message":"Invalid schema: unexpected token"}');
    });
    await assert.rejects(new SchemaRegistryClient({ baseUrl: url }).register('s', { schema: '{' }), (error: Error) => error instanceof SchemaRegistryError
      && error.errorCode === 42201 && /Invalid schema: unexpected token/.test(error.message) && /Fix the schema text/.test(error.message));
  });

  it('bad versions and ids are refused before any request', async () => {
    const client = new SchemaRegistryClient({ baseUrl: 'http://127.0.0.1:9' });
    await assert.rejects(client.getSubjectVersion('s', 0), /versions count from 1/);
    await assert.rejects(client.getSchemaById(-1), /not a schema id/);
  });
});
