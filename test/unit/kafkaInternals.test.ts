// Fails when an update of kafkajs changes one of the internal shapes src/kafka/kafkajsInternals.ts uses.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { createWireCluster, protocolError } from '../../src/kafka/kafkajsInternals';

const require = createRequire(import.meta.url);

describe('kafkajs internals used by the partition reader and the producer', () => {
  it('is kafkajs 2.2.x', () => {
    const { version } = require('kafkajs/package.json') as { version: string };
    assert.match(version, /^2\.2\./);
  });

  it('creates a Cluster with the methods the reader and producer call', () => {
    const cluster = createWireCluster({ brokers: ['127.0.0.1:9092'] });
    for (const method of ['connect', 'disconnect', 'isConnected', 'addTargetTopic', 'refreshMetadata', 'metadata', 'findTopicPartitionMetadata', 'findLeaderForPartitions', 'findBroker', 'fetchTopicsOffset'] as const) {
      assert.equal(typeof cluster[method], 'function', method);
    }
    assert.equal(cluster.isConnected(), false);
  });

  it('has Brokers with the methods the idempotent producer calls', () => {
    const Broker = require('kafkajs/src/broker') as { prototype: Record<string, unknown> };
    for (const method of ['connect', 'isConnected'] as const) {
      assert.equal(typeof Broker.prototype[method], 'function', method);
    }
  });

  it('names protocol errors by code, and says which a resend may cure', () => {
    assert.equal(protocolError(10).type, 'MESSAGE_TOO_LARGE');
    assert.equal(protocolError(3).type, 'UNKNOWN_TOPIC_OR_PARTITION');
    // The producer resends on these (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT) and reports MESSAGE_TOO_LARGE.
    assert.deepEqual([6, 19, 7, 10].map((code) => protocolError(code).retriable), [true, true, true, false]);
    assert.deepEqual([45, 46, 59].map((code) => protocolError(code).type), ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'DUPLICATE_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID']);
  });
});
