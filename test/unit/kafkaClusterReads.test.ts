// Fails when an update of kafkajs changes one of the internal shapes src/kafka/clusterReads.ts
// uses: the request definitions it builds requests from, and the broker pool and broker it sends them on.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);

interface Definition {
  versions: string[];
  protocol: (options: { version: string }) => (args: Record<string, unknown>) => { request: { apiKey: number; apiVersion: number; encode: () => Promise<unknown> }; response: { decode: unknown; parse: unknown } };
}

describe('kafkajs internals used by the batched topic and group reads', () => {
  const definitions: [string, number, Record<string, unknown>][] = [
    ['listOffsets', 2, { replicaId: -1, isolationLevel: 1, topics: [{ topic: 't', partitions: [{ partition: 0, timestamp: -1 }] }] }],
    ['metadata', 3, { topics: [], allowAutoTopicCreation: false }],
    ['offsetFetch', 9, { groupId: 'g', topics: [] }],
    ['findCoordinator', 10, { groupId: 'g' }],
    ['describeGroups', 15, { groupIds: ['g'] }],
    ['listGroups', 16, {}],
    ['describeConfigs', 32, { resources: [{ type: 2, name: 't' }], includeSynonyms: false }],
  ];

  for (const [name, apiKey, args] of definitions) {
    it(`builds ${name} requests (API key ${apiKey}) with a decoder`, async () => {
      const definition = require(`kafkajs/src/protocol/requests/${name}`) as Definition;
      assert.ok(definition.versions.length > 0);
      const newest = definition.versions[definition.versions.length - 1] ?? '0';
      const { request, response } = definition.protocol({ version: newest })(args);
      assert.equal(request.apiKey, apiKey);
      assert.equal(typeof response.decode, 'function');
      assert.equal(typeof response.parse, 'function');
      const encoded = (await request.encode()) as { buf?: unknown };
      assert.ok(Buffer.isBuffer(encoded.buf), 'encode() gives an Encoder with .buf');
    });
  }

  it('has a broker pool that hands out the connected broker, and brokers that look requests up and keep their address', () => {
    const BrokerPool = require('kafkajs/src/cluster/brokerPool') as { prototype: Record<string, unknown> };
    assert.equal(typeof BrokerPool.prototype.findConnectedBroker, 'function');
    const Broker = require('kafkajs/src/broker') as new (options: Record<string, unknown>) => Record<string, unknown>;
    const logger = { namespace: () => logger };
    const broker = new Broker({ connectionPool: { host: 'h', port: 9092, connectionTimeout: 1000 }, logger });
    assert.equal(typeof broker.lookupRequest, 'function');
    assert.deepEqual(broker.connectionPool, { host: 'h', port: 9092, connectionTimeout: 1000 });
  });
});
