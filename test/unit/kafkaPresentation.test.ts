/**
 * How the Kafka view and its commands read and check what a user sees and types: counts,
 * the tree filter, topic names, partitions, replication, retention, points in time, which
 * consumer groups may be reset, and the rows of a folder with thousands of topics or groups.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GroupDetails, TopicDetails } from '../../src/kafka/types';
import {
  compareNames,
  formatBytes,
  formatCount,
  formatPeriod,
  formatTimestamp,
  groupCanReset,
  groupRowText,
  lagText,
  listedRows,
  matchesFilter,
  nameFilter,
  parseRetention,
  parseTimestamp,
  parseWholeNumber,
  plural,
  replicationProblem,
  topicNameProblem,
  topicRowText,
} from '../../src/kafka/presentation';

describe('counts and sizes', () => {
  it('groups digits of 64-bit offsets given as strings, exactly', () => {
    assert.equal(formatCount('9223372036854775807'), '9,223,372,036,854,775,807');
    assert.equal(formatCount(1234), '1,234');
    assert.equal(formatCount('0'), '0');
    assert.equal(formatCount('-1'), '-1');
    assert.equal(formatCount('n/a'), 'n/a');
  });

  it('says one and many', () => {
    assert.equal(plural(1, 'partition'), '1 partition');
    assert.equal(plural('12000', 'message'), '12,000 messages');
  });

  it('shows bytes and durations in short forms', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(5 * 1024 * 1024), '5.0 MB');
    assert.equal(formatPeriod(604_800_000), '7 days');
    assert.equal(formatPeriod(3_600_000), '1 hour');
    assert.equal(formatPeriod(-1), 'forever');
    assert.equal(formatPeriod(1500), '1,500 ms');
  });
});

describe('the tree filter', () => {
  it('matches part of a name, ignoring case', () => {
    assert.ok(matchesFilter('Orders.v2', 'orders'));
    assert.ok(!matchesFilter('payments', 'orders'));
  });

  it('treats * and ? as wildcards over the whole name', () => {
    assert.ok(matchesFilter('sensor.readings', 'sensor.*'));
    assert.ok(!matchesFilter('my.sensor.readings', 'sensor.*'));
    assert.ok(matchesFilter('topic-a', 'topic-?'));
  });

  it('matches any of several terms, and everything when empty', () => {
    assert.ok(matchesFilter('payments', 'orders payments'));
    assert.ok(matchesFilter('users', 'orders,users'));
    assert.ok(matchesFilter('anything', '  '));
  });
});

describe('creating a topic', () => {
  it('accepts Kafka\'s legal names and refuses the rest with the reason', () => {
    assert.equal(topicNameProblem('orders_v2.raw-1'), undefined);
    assert.match(topicNameProblem('') ?? '', /Give the topic a name/);
    assert.match(topicNameProblem('orders/raw') ?? '', /"\/" is not allowed/);
    assert.match(topicNameProblem('..') ?? '', /cannot be named/);
    assert.match(topicNameProblem('x'.repeat(250)) ?? '', /at most 249/);
  });

  it('refuses an existing name and one that collides on "." and "_"', () => {
    assert.match(topicNameProblem('orders', ['orders']) ?? '', /exists already/);
    assert.match(topicNameProblem('orders.raw', ['orders_raw']) ?? '', /collides with the topic "orders_raw"/);
  });

  it('checks partitions and replication against the cluster', () => {
    assert.deepEqual(parseWholeNumber('12', 'Partitions', 1, 100), { ok: true, value: 12 });
    assert.equal(parseWholeNumber('0', 'Partitions', 1, 100).ok, false);
    assert.equal(parseWholeNumber('1.5', 'Partitions', 1, 100).ok, false);
    assert.equal(replicationProblem('1', 1), undefined);
    assert.match(replicationProblem('3', 1) ?? '', /has 1 broker, so the replication factor can be at most 1/);
    assert.match(replicationProblem('x', 3) ?? '', /whole number/);
  });

  it('reads retention as durations, forever, or the broker default', () => {
    assert.deepEqual(parseRetention(''), { ok: true, value: undefined });
    assert.deepEqual(parseRetention('7d'), { ok: true, value: 604_800_000 });
    assert.deepEqual(parseRetention('12h'), { ok: true, value: 43_200_000 });
    assert.deepEqual(parseRetention('1.5s'), { ok: true, value: 1500 });
    assert.deepEqual(parseRetention('forever'), { ok: true, value: -1 });
    assert.deepEqual(parseRetention('60000'), { ok: true, value: 60_000 });
    assert.equal(parseRetention('a week').ok, false);
  });
});

describe('points in time', () => {
  const now = Date.UTC(2025, 4, 1, 12, 0, 0);

  it('reads UTC times, local times, epoch seconds and milliseconds, and "ago"', () => {
    assert.deepEqual(parseTimestamp('2025-05-01T10:00:00Z', now), { ok: true, value: Date.UTC(2025, 4, 1, 10) });
    assert.deepEqual(parseTimestamp('2025-05-01 10:30', now), { ok: true, value: new Date(2025, 4, 1, 10, 30).getTime() });
    assert.deepEqual(parseTimestamp('1746100800', now), { ok: true, value: 1_746_100_800_000 });
    assert.deepEqual(parseTimestamp('1746100800123', now), { ok: true, value: 1_746_100_800_123 });
    assert.deepEqual(parseTimestamp('2h ago', now), { ok: true, value: now - 7_200_000 });
  });

  it('refuses what is not a time, and dates not in the calendar', () => {
    const bad = parseTimestamp('yesterday', now);
    assert.ok(!bad.ok);
    assert.match(bad.message, /2024-05-01 12:00/);
    assert.equal(parseTimestamp('2025-02-30', now).ok, false);
  });

  it('formats a timestamp in local time to the millisecond', () => {
    const ms = new Date(2025, 0, 2, 3, 4, 5, 6).getTime();
    assert.equal(formatTimestamp(ms), '2025-01-02 03:04:05.006');
  });
});

describe('consumer groups', () => {
  it('allows a reset only when no consumer runs', () => {
    assert.ok(groupCanReset('Empty'));
    assert.ok(groupCanReset('Dead'));
    assert.ok(!groupCanReset('Stable'));
    assert.ok(!groupCanReset('PreparingRebalance'));
  });

  it('marks a lag above zero', () => {
    assert.deepEqual(lagText('0'), { text: 'lag 0', behind: false });
    assert.deepEqual(lagText('1500'), { text: 'lag 1,500', behind: true });
  });
});

describe('folders with thousands of rows', () => {
  const names = Array.from({ length: 10_000 }, (_, i) => `orders-${String(i).padStart(5, '0')}`);

  it('shows the first rows that pass the filter and counts all that do', () => {
    const all = listedRows(names, (n) => n, '', 500);
    assert.equal(all.shown.length, 500);
    assert.deepEqual([all.matching, all.total, all.shown[499]], [10_000, 10_000, 'orders-00499']);
    const some = listedRows(names, (n) => n, 'orders-0004', 500);
    assert.deepEqual([some.matching, some.shown.length, some.shown[0]], [10, 10, 'orders-00040']);
    const wild = listedRows(names, (n) => n, 'ORDERS-*7', 500);
    assert.deepEqual([wild.matching, wild.shown.length, wild.shown[0]], [1000, 500, 'orders-00007']);
    assert.equal(listedRows(names, (n) => n, 'payments', 500).matching, 0);
  });

  it('parses the filter once and answers as matchesFilter does', () => {
    const passes = nameFilter('sensor.* users');
    for (const name of ['sensor.readings', 'my.sensor.readings', 'users', 'all-users', 'orders']) assert.equal(passes(name), matchesFilter(name, 'sensor.* users'), name);
  });

  it('sorts names as localeCompare does', () => {
    const mixed = ['b', 'A', 'a', '_x', 'B-1', 'b.1', '10', '9'];
    assert.deepEqual([...mixed].sort(compareNames), [...mixed].sort((a, b) => a.localeCompare(b)));
  });
});

describe('topic and group rows', () => {
  const topic = { name: 'orders', partitions: 2, replicationFactor: 3, internal: false };
  const details: TopicDetails = {
    ...topic,
    partitionInfo: [
      { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3], low: '0', high: '1500', messages: '1500' },
      { partition: 1, leader: 2, replicas: [1, 2, 3], isr: [1, 2], low: '10', high: '20', messages: '10' },
    ],
    messageEstimate: '1510',
    configs: [
      { name: 'cleanup.policy', value: 'compact', isDefault: false, isSensitive: false },
      { name: 'retention.ms', value: '604800000', isDefault: true, isSensitive: false },
    ],
  };

  it('shows partitions first, then the count, settings and replica health once read', () => {
    assert.deepEqual(topicRowText(topic, undefined), { label: 'orders', description: '2 partitions', title: 'orders', tooltip: '2 partitions, replication factor 3', health: 'ok' });
    const read = topicRowText(topic, details);
    assert.equal(read.description, '2 partitions · 1,510 msgs · 1 under-replicated');
    assert.equal(read.health, 'underReplicated');
    assert.match(read.tooltip, /About 1,510 messages .*\nRetention: 7 days \(broker default\)\ncleanup.policy = compact\n\nUnder-replicated: partition 1; not in sync: broker 3\./s);
  });

  it('says why the details are missing, and notes hidden characters in the name', () => {
    assert.match(topicRowText(topic, undefined, new Error('not authorized')).tooltip, /Details could not be read: not authorized$/);
    const hidden = topicRowText({ ...topic, name: 'ord\u200bers' }, undefined);
    assert.equal(hidden.label, 'ord\\u200Bers');
    assert.match(hidden.tooltip, /1 invisible or bidirectional character shown as \\uXXXX escape\.$/);
  });

  it('shows a group\'s state and members, then its lag and topics once read', () => {
    const group = { groupId: 'billing', state: 'Empty', protocolType: 'consumer', members: 0 };
    assert.equal(groupRowText(group, undefined).description, 'Empty · 0 members');
    const details: GroupDetails = { ...group, members: [], partitions: [{ topic: 'orders', partition: 0, committed: '5', high: '1505', lag: '1500' }], totalLag: '1500' };
    const read = groupRowText(group, details);
    assert.equal(read.description, 'Empty · 0 members · lag 1,500');
    assert.match(read.tooltip, /Topics: orders\nTotal lag: 1,500\n\nThe group has no running consumers/);
  });
});
