/**
 * When a tree row may be redrawn with what a background load learned (src/shared/rowRedraws.ts):
 * a row that shows its children is redrawn only once collapsed, because redrawing it while the
 * editor still takes in its children leaves the editor drawing rows the extension no longer
 * knows (the Kafka view's Topics and Schemas rows went dead that way when a connection was
 * expanded, and a registered subject never showed under Schemas).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RowRedraws } from '../../src/shared/rowRedraws';

const connection = 'kafka/Local stack';
const schemas = 'kafka/Local stack/schemas';
const subject = 'kafka/Local stack/schemas/orders-value';

describe('background redraws of tree rows', () => {
  it('does not redraw a connection whose children were just listed; redraws it once collapsed', () => {
    const redraws = new RowRedraws();
    redraws.listed(connection); // the connection was expanded: its topics load, the cluster answered
    assert.deepEqual(redraws.take([connection]), []);
    assert.equal(redraws.isWaiting(connection), true);
    assert.equal(redraws.collapsed(connection), true, 'the icon is drawn when the row is collapsed');
    assert.equal(redraws.collapsed(connection), false, 'once');
  });

  it('redraws rows that show no children at once: collapsed subject rows, never-expanded folders', () => {
    const redraws = new RowRedraws();
    redraws.listed(schemas);
    // The subjects' type, version and level arrived: the subject rows now, the folder once collapsed.
    assert.deepEqual(redraws.take([subject, schemas]), [subject]);
    assert.deepEqual(redraws.take([connection]), [connection], 'a connection never expanded');
  });

  it('redraws a row again at once after it was collapsed and is not listed again', () => {
    const redraws = new RowRedraws();
    redraws.listed(schemas);
    redraws.collapsed(schemas);
    assert.deepEqual(redraws.take([schemas]), [schemas]);
  });

  it('an explicit refresh clears what waited for the row (it is redrawn anyway)', () => {
    const redraws = new RowRedraws();
    redraws.listed(connection);
    redraws.listed(schemas);
    redraws.take([connection, schemas]);
    redraws.refreshed(connection);
    assert.equal(redraws.collapsed(connection), false);
    assert.equal(redraws.isWaiting(schemas), true);
    redraws.refreshed();
    assert.equal(redraws.collapsed(schemas), false);
  });
});
