/**
 * The pure parts of the object store, preview and mail catcher clients: the S3 list answer, S3
 * error text, CSV records with quotes, cell texts, the stack's env lines and Mailpit's list.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMailList, mailDocumentText } from '../../src/objectstore/mailpit';
import { cellText, parseCsv, previewFormatOf } from '../../src/objectstore/preview';
import { decodeXmlText, parseListObjectsV2, s3ErrorText } from '../../src/objectstore/s3';
import { parseStackEnv } from '../../src/stack/stackEnv';

describe('S3 answers', () => {
  it('reads objects, folders and the next page token of ListObjectsV2', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>workbench</Name>
<Prefix>timelines/</Prefix><IsTruncated>true</IsTruncated><NextContinuationToken>abc</NextContinuationToken>
<Contents><Key>timelines/a&amp;b.csv</Key><LastModified>2026-12-05T00:43:05Z</LastModified><Size>32</Size></Contents>
<CommonPrefixes><Prefix>timelines/dt=2026-12-01/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>timelines/dt=2026-12-02/</Prefix></CommonPrefixes></ListBucketResult>`;
    assert.deepEqual(parseListObjectsV2(xml), {
      objects: [{ key: 'timelines/a&b.csv', size: 32, lastModified: '2026-12-05T00:43:05Z' }],
      prefixes: ['timelines/dt=2026-12-01/', 'timelines/dt=2026-12-02/'],
      nextToken: 'abc',
    });
  });

  it('rejects what is not a list answer, and names S3 errors by code and message', () => {
    assert.throws(() => parseListObjectsV2('<Error><Code>NoSuchBucket</Code></Error>'), /not a ListBucketResult/);
    assert.equal(s3ErrorText('<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>'), 'SignatureDoesNotMatch: The request signature we calculated does not match');
    assert.equal(decodeXmlText('a &lt;b&gt; &#233; &#x41;'), 'a <b> é A');
  });
});

describe('CSV preview', () => {
  it('parses quoted separators, doubled quotes, newlines in quotes and CRLF', () => {
    assert.deepEqual(parseCsv('id,name\r\n1,"a, b"\r\n2,"say ""hi"""\n3,"two\nlines"\n'), [['id', 'name'], ['1', 'a, b'], ['2', 'say "hi"'], ['3', 'two\nlines']]);
  });

  it('stops at the records asked for and drops a record cut at the end of a partial read', () => {
    assert.deepEqual(parseCsv('a\n1\n2\n3\n', { maxRecords: 2 }), [['a'], ['1']]);
    assert.deepEqual(parseCsv('a,b\n1,2\n3,', { complete: false }), [['a', 'b'], ['1', '2']]);
  });

  it('knows which keys have a preview, and shows cells as text', () => {
    assert.equal(previewFormatOf('timelines/dt=2026-12-01/part-0.parquet'), 'parquet');
    assert.equal(previewFormatOf('x/y.CSV'), 'csv');
    assert.equal(previewFormatOf('x/y.json'), undefined);
    assert.equal(cellText(12n), '12');
    assert.equal(cellText(new Date('2026-12-01T00:00:00Z')), '2026-12-01T00:00:00.000Z');
    assert.equal(cellText({ a: 1n }), '{"a":"1"}');
    assert.equal(cellText(null), '');
  });
});

describe('stack env and mail', () => {
  it('reads the export lines of stack.sh env', () => {
    assert.deepEqual(parseStackEnv('export KAW_S3_ENDPOINT=http://127.0.0.1:8333\nexport KAW_S3_BUCKET="workbench"\nnoise\n'), {
      KAW_S3_ENDPOINT: 'http://127.0.0.1:8333', KAW_S3_BUCKET: 'workbench',
    });
  });

  it('reads Mailpit\'s message list and rejects another shape', () => {
    const list = parseMailList({ total: 3, messages: [{ ID: 'x', Subject: 'Daily export 2026-12-01', From: { Address: 'a@b', Name: 'Airflow' }, To: [{ Address: 'c@d', Name: '' }], Created: '2026-12-05T00:10:00Z', Snippet: '42 rows' }] });
    assert.deepEqual(list.messages[0], { id: 'x', subject: 'Daily export 2026-12-01', from: 'Airflow <a@b>', to: ['c@d'], created: '2026-12-05T00:10:00Z', snippet: '42 rows' });
    assert.throws(() => parseMailList({ messages: 'no' }), /unexpected shape/);
    assert.match(mailDocumentText({ ...list.messages[0], text: 'body <b>' }), /^Subject: Daily export 2026-12-01\nFrom: Airflow <a@b>\nTo: c@d\n.*\n\nbody <b>$/s);
  });
});
