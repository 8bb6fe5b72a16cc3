import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoTime } from '../../src/schemas/isoTime';
import { randomSource } from '../../src/schemas/generate';

describe('timestamps as ISO 8601 text (isoTime)', () => {
  it('writes what Date.toISOString writes: leap days, month and year ends, the epoch, the last four-digit year, and random instants', () => {
    const edges = [
      0, 1, 999, 86_399_999, 86_400_000, Date.UTC(2000, 1, 29, 12), Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2023, 1, 28), Date.UTC(2023, 2, 1),
      Date.UTC(1900, 1, 28), Date.UTC(2100, 2, 1), Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2024, 4, 1, 10, 0, 0, 123), 253_402_300_799_999,
    ];
    for (const ms of edges) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    const random = randomSource(17);
    for (let i = 0; i < 200_000; i++) {
      const ms = Math.floor(random() * 253_402_300_800_000);
      assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    }
  });

  it('leaves instants before 1970, after year 9999 and fractions of a millisecond to toISOString, and refuses what it refuses', () => {
    for (const ms of [-1, -86_400_001, Date.UTC(1969, 6, 20, 20, 17), 253_402_300_800_000, 8.64e15, 1.5]) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
    assert.throws(() => isoTime(Number.NaN), RangeError);
    assert.throws(() => isoTime(8.64e15 + 1), RangeError);
  });
});
