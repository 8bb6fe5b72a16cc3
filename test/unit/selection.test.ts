/** Which rows a multi-select tree command acts on, and how the confirmation names them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nameList, rowsToActOn } from '../../src/shared/selection';

interface Row { kind: string; name: string }
const isTopic = (value: unknown): value is Row => (value as Row | undefined)?.kind === 'topic';
const a: Row = { kind: 'topic', name: 'a' };
const b: Row = { kind: 'topic', name: 'b' };
const group: Row = { kind: 'group', name: 'g' };

describe('rowsToActOn', () => {
  it('acts on every selected row of the right kind when the clicked row is selected', () => {
    assert.deepEqual(rowsToActOn(a, [a, group, b], isTopic), [a, b]);
  });
  it('acts on the clicked row alone when it is outside the selection (a right-click elsewhere)', () => {
    assert.deepEqual(rowsToActOn(a, [b], isTopic), [a]);
  });
  it('acts on the clicked row when no selection is passed (palette, inline action, keybinding)', () => {
    assert.deepEqual(rowsToActOn(a, undefined, isTopic), [a]);
  });
});

describe('nameList', () => {
  it('names one, two and a few', () => {
    assert.equal(nameList(['a']), '"a"');
    assert.equal(nameList(['a', 'b']), '"a" and "b"');
    assert.equal(nameList(['a', 'b', 'c']), '"a", "b" and "c"');
  });
  it('stops after the number shown and says how many more', () => {
    assert.equal(nameList(['a', 'b', 'c', 'd'], 2), '"a", "b" and 2 more');
  });
});
