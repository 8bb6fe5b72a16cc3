/**
 * What the Message Inspector's status line says when a read goes on past a leader change
 * (src/panels/kafkaInspectorSource.ts noticeText). The integration test
 * test/integration/cluster.test.ts produces these notices by killing a real leader.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noticeText } from '../../src/panels/kafkaInspectorSource';

describe('noticeText', () => {
  it('says which broker a partition\'s leadership moved from and to, and that reading goes on', () => {
    assert.equal(noticeText({ kind: 'leaderMoved', partition: 1, from: 2, to: 3 }), 'Partition 1\'s leader moved from broker 2 to 3; reading on.');
  });

  it('says when the same leader answers again', () => {
    assert.equal(noticeText({ kind: 'leaderBack', partition: 2, leader: 1 }), 'Partition 2\'s leader, broker 1, answers again; reading on.');
  });

  it('names the broker that does not answer, or says there is no leader, while waiting', () => {
    assert.equal(noticeText({ kind: 'leaderUnavailable', partition: 0, leader: 2 }), 'Partition 0\'s leader, broker 2, does not answer; waiting for Kafka to elect another…');
    assert.equal(noticeText({ kind: 'leaderUnavailable', partition: 4, leader: -1 }), 'Partition 4 has no leader; waiting for Kafka to elect one…');
  });
});
