import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBytes, decodeRecordParts, headersPreview, hexDump, previewOf, utf8Text } from '../../src/kafka/decode';

describe('decoding record bytes for display', () => {
  it('pretty-prints JSON and keeps the parsed value', () => {
    const d = decodeBytes(Buffer.from('{"order_id":"A1","items":[1,2]}'));
    assert.equal(d.kind, 'json');
    assert.deepEqual(d.json, { order_id: 'A1', items: [1, 2] });
    assert.equal(d.pretty, '{\n  "order_id": "A1",\n  "items": [\n    1,\n    2\n  ]\n}');
    assert.equal(d.preview, '{"order_id":"A1","items":[1,2]}');
  });

  it('shows valid UTF-8 that is not JSON as text, including non-Latin scripts', () => {
    const d = decodeBytes(Buffer.from('訂單 已建立 — ok'));
    assert.equal(d.kind, 'text');
    assert.equal(d.text, '訂單 已建立 — ok');
    assert.equal(d.hex, undefined);
  });

  it('treats text that only starts like JSON as text', () => {
    const d = decodeBytes(Buffer.from('{not json'));
    assert.equal(d.kind, 'text');
  });

  it('shows invalid UTF-8 as a hex dump with offset, hex and ASCII columns', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x41, 0x42, 0x00, 0x01, 0xc3, 0x28, 0x7b, 0x22, 0x61, 0x22, 0x3a, 0x31, 0x7d, 0x0a, 0x80]);
    assert.equal(utf8Text(bytes), undefined);
    const d = decodeBytes(bytes);
    assert.equal(d.kind, 'binary');
    assert.equal(d.text, undefined);
    const lines = (d.hex ?? '').split('\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[0], '00000000  ff fe 41 42 00 01 c3 28  7b 22 61 22 3a 31 7d 0a  |..AB...({"a":1}.|');
    assert.match(lines[1] ?? '', /^00000010 {2}80 {2}/);
    assert.match(d.preview, /^0x ff fe 41 42/);
    assert.match(d.preview, /\(17 bytes\)$/);
  });

  it('shows valid UTF-8 full of control bytes (a binary integer) as hex, not as text', () => {
    const d = decodeBytes(Buffer.from([0, 0, 0, 42]));
    assert.equal(d.kind, 'binary');
    assert.match(d.hex ?? '', /00 00 00 2a/);
  });

  it('tells null from empty', () => {
    assert.equal(decodeBytes(null).kind, 'null');
    assert.equal(decodeBytes(Buffer.alloc(0)).kind, 'empty');
  });

  it('cuts long hex dumps and says how much is left', () => {
    const dump = hexDump(Buffer.alloc(100, 0xff), 32);
    assert.equal(dump.split('\n').length, 3);
    assert.match(dump, /68 more bytes not shown/);
  });

  it('makes one-line previews of a bounded length', () => {
    assert.equal(previewOf('a\n  b\tc'), 'a b c');
    const long = previewOf('x'.repeat(500), 20);
    assert.equal(long.length, 20);
    assert.ok(long.endsWith('…'));
  });

  it('keeps HTML and script in a value as plain text', () => {
    const d = decodeBytes(Buffer.from('<img src=x onerror=alert(1)><script>alert(2)</script>'));
    assert.equal(d.kind, 'text');
    assert.equal(d.text, '<img src=x onerror=alert(1)><script>alert(2)</script>');
  });

  it('decodes key, value and headers of a record, binary headers included', () => {
    const parts = decodeRecordParts({
      key: Buffer.from('user:1'),
      value: Buffer.from('[1,2]'),
      headers: [
        { key: 'source', value: Buffer.from('workbench') },
        { key: 'trace', value: Buffer.from([0xff, 0xfe]) },
        { key: 'empty', value: null },
      ],
    });
    assert.equal(parts.key.kind, 'text');
    assert.equal(parts.value.kind, 'json');
    assert.deepEqual(parts.headers.map((h) => h.value.kind), ['text', 'binary', 'null']);
    assert.equal(
      headersPreview([
        { key: 'source', value: Buffer.from('workbench') },
        { key: 'trace', value: Buffer.from([0xff, 0xfe]) },
      ]),
      'source=workbench, trace=0x ff fe (2 bytes)',
    );
  });
});
