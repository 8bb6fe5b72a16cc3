/**
 * The marks the Kafka tree puts on topics and partitions whose replicas are out of sync or
 * that have no leader (src/kafka/presentation.ts). The integration test
 * (test/integration/cluster.test.ts) checks the same functions against a real cluster with a
 * broker down; here the cases a three-broker test cluster cannot easily show.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionReplicaHealth, replicaHealthIcon, topicReplicaHealth, type ReplicaState } from '../../src/kafka/presentation';

const healthy: ReplicaState = { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] };

describe('partitionReplicaHealth', () => {
  it('finds nothing to mark when every replica is in sync, whatever the ISR order', () => {
    const h = partitionReplicaHealth({ partition: 4, leader: 2, replicas: [2, 3, 1], isr: [3, 1, 2] });
    assert.equal(h.health, 'ok');
    assert.equal(h.mark, '');
    assert.deepEqual(h.outOfSync, []);
    assert.equal(replicaHealthIcon(h.health), undefined);
  });

  it('names the brokers out of sync of an under-replicated partition', () => {
    const h = partitionReplicaHealth({ partition: 1, leader: 1, replicas: [3, 1, 2], isr: [1] });
    assert.equal(h.health, 'underReplicated');
    assert.deepEqual(h.outOfSync, [2, 3]);
    assert.equal(h.mark, 'under-replicated: brokers 2, 3 out of sync');
    assert.equal(h.explanation, 'Partition 1 is under-replicated: brokers 2, 3 are not in sync (in sync: 1).');
    assert.deepEqual(replicaHealthIcon(h.health), { icon: 'warning', color: 'problemsWarningIcon.foreground' });
  });

  it('calls a partition without a leader offline, whether or not its ISR still lists the lost broker', () => {
    // Kafka 4.1 empties the ISR of a partition whose only replica is down; older controllers kept it.
    assert.equal(partitionReplicaHealth({ partition: 2, leader: -1, replicas: [3], isr: [3] }).health, 'offline');
    const h = partitionReplicaHealth({ partition: 2, leader: -1, replicas: [3], isr: [] });
    assert.equal(h.health, 'offline');
    assert.deepEqual(h.outOfSync, [3]);
    assert.equal(h.mark, 'offline: no leader');
    assert.match(h.explanation, /Partition 2 is offline: no leader.*broker 3\)/);
    assert.deepEqual(replicaHealthIcon(h.health), { icon: 'error', color: 'errorForeground' });
  });
});

describe('topicReplicaHealth', () => {
  it('is ok with no lines for a healthy topic', () => {
    const h = topicReplicaHealth([healthy, { ...healthy, partition: 1 }]);
    assert.deepEqual(h, { health: 'ok', underReplicated: [], offline: [], outOfSyncBrokers: [], mark: '', lines: [] });
  });

  it('counts under-replicated partitions and names them and the missing broker', () => {
    const h = topicReplicaHealth([
      { partition: 2, leader: 1, replicas: [1, 2, 3], isr: [1, 2] },
      healthy,
      { partition: 1, leader: 2, replicas: [3, 2, 1], isr: [2, 1] },
    ]);
    assert.equal(h.health, 'underReplicated');
    assert.deepEqual(h.underReplicated, [1, 2]);
    assert.deepEqual(h.outOfSyncBrokers, [3]);
    assert.equal(h.mark, '2 under-replicated');
    assert.deepEqual(h.lines, ['Under-replicated: partitions 1, 2; not in sync: broker 3.']);
  });

  it('puts offline first and makes it the topic\'s state when partitions are both', () => {
    const h = topicReplicaHealth([
      { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2] },
      { partition: 1, leader: 2, replicas: [2, 3, 1], isr: [2, 1] },
      { partition: 2, leader: -1, replicas: [3], isr: [] },
    ]);
    assert.equal(h.health, 'offline');
    assert.deepEqual(h.offline, [2]);
    assert.deepEqual(h.underReplicated, [0, 1]);
    assert.equal(h.mark, '1 offline · 2 under-replicated');
    assert.deepEqual(h.lines, [
      'Offline (no leader): partition 2; its replica is on broker 3; its messages are not counted until a leader is back.',
      'Under-replicated: partitions 0, 1; not in sync: broker 3.',
    ]);
  });
});
