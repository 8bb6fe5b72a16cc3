/**
 * How the Kafka view and its commands read and check what a user sees and types: counts,
 * the tree filter, topic names, partitions, replication, retention, points in time, and
 * which consumer groups may be reset.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatTimestamp,
  groupCanReset,
  lagText,
  matchesFilter,
  parseRetention,
  parseTimestamp,
  parseWholeNumber,
  plural,
  replicationProblem,
  topicNameProblem,
} from '../../src/views/kafka/presentation';

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
    assert.equal(formatDuration(604_800_000), '7 days');
    assert.equal(formatDuration(3_600_000), '1 hour');
    assert.equal(formatDuration(-1), 'forever');
    assert.equal(formatDuration(1500), '1,500 ms');
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
