/**
 * The object store (SeaweedFS's S3) and mail catcher (Mailpit) of the native stack through the
 * editor's clients: a prefix tree listing with size and time, the first 100 rows of a CSV and
 * of a Parquet object (test/fixtures/objectstore/scores.parquet: 250 rows written by pyarrow
 * with its default snappy compression), refused credentials and a store that is down; a mail
 * sent over SMTP listed and read back. Every object and mail made here is deleted afterwards.
 *
 *   flock /tmp/kaw/stack.lock node --import tsx --test test/integration/objectStore.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { MailCatcherClient } from '../../src/objectstore/mailpit';
import { previewObject } from '../../src/objectstore/preview';
import { ObjectStoreClient } from '../../src/objectstore/s3';

const S3 = {
  endpoint: process.env['KAW_S3_ENDPOINT'] ?? 'http://127.0.0.1:8333',
  accessKeyId: process.env['KAW_S3_ACCESS_KEY'] ?? 'workbench',
  secretAccessKey: process.env['KAW_S3_SECRET_KEY'] ?? 'workbench-s3-dev-secret',
  bucket: process.env['KAW_S3_BUCKET'] ?? 'workbench',
};
const MAIL_API = process.env['KAW_MAIL_API_URL'] ?? 'http://127.0.0.1:8025';
const SMTP_PORT = Number(process.env['KAW_SMTP_PORT'] ?? '1025');

/** Sends one plain mail over SMTP (the stack's catcher accepts any sender and recipient). */
function sendMail(subject: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: SMTP_PORT });
    const lines = ['HELO test', 'MAIL FROM:<tests@workbench.local>', 'RCPT TO:<team@workbench.local>', 'DATA',
      `Subject: ${subject}\r\nFrom: tests@workbench.local\r\nTo: team@workbench.local\r\n\r\n${body}\r\n.`, 'QUIT'];
    let step = 0;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (/^[45]\d\d /m.test(chunk)) { reject(new Error(`SMTP refused: ${chunk.trim()}`)); socket.destroy(); return; }
      const next = lines[step++];
      if (next !== undefined) socket.write(`${next}\r\n`);
    });
    socket.on('error', reject);
    socket.on('close', () => { resolve(); });
  });
}

describe('object store', () => {
  const store = new ObjectStoreClient(S3);
  const prefix = `it-objectstore-${randomUUID().slice(0, 8)}/`;
  const keys = [`${prefix}dt=2026-12-01/part-0.parquet`, `${prefix}dt=2026-12-01/raw.csv`, `${prefix}notes.txt`];

  after(async () => {
    for (const key of keys) await store.delete(key).catch(() => undefined);
  });

  it('lists a prefix tree with sizes and times, and previews the first 100 rows of Parquet and CSV', async () => {
    const parquet = readFileSync(path.join(__dirname, '..', 'fixtures', 'objectstore', 'scores.parquet'));
    const csvLines = ['id,name,note', ...Array.from({ length: 150 }, (_, i) => `${i},n${i},"a, ""quoted"" note"`)];
    await store.put(keys[0] as string, parquet);
    await store.put(keys[1] as string, `${csvLines.join('\n')}\n`, 'text/csv');
    await store.put(keys[2] as string, 'hello');

    const top = await store.list(prefix);
    assert.deepEqual(top.prefixes, [`${prefix}dt=2026-12-01/`]);
    assert.deepEqual(top.objects.map((o) => [o.key, o.size]), [[keys[2], 5]]);
    const day = await store.list(`${prefix}dt=2026-12-01/`);
    assert.deepEqual(day.objects.map((o) => [o.key, o.size]), [[keys[0], parquet.byteLength], [keys[1], Buffer.byteLength(`${csvLines.join('\n')}\n`)]]);
    assert.ok(day.objects.every((o) => o.lastModified !== null && Math.abs(Date.parse(o.lastModified) - Date.now()) < 10 * 60_000));

    const p = await previewObject(store, keys[0] as string);
    assert.deepEqual(p.columns, ['id', 'name', 'score']);
    assert.equal(p.rows.length, 100);
    assert.equal(p.totalRows, 250);
    assert.deepEqual(p.rows[99], ['99', 'n99', '49.5']);

    const c = await previewObject(store, keys[1] as string);
    assert.deepEqual(c.columns, ['id', 'name', 'note']);
    assert.equal(c.rows.length, 100);
    assert.deepEqual(c.rows[0], ['0', 'n0', 'a, "quoted" note']);
  });

  it('says what is wrong when the credentials are refused, the store is down, or the object is not a table', async () => {
    const wrong = new ObjectStoreClient({ ...S3, secretAccessKey: 'not-the-secret' });
    await assert.rejects(wrong.list(''), /refused the credentials to list the bucket .*Check the access key and secret of the stack/);
    const down = new ObjectStoreClient({ ...S3, endpoint: 'http://127.0.0.1:39999' });
    await assert.rejects(down.list(''), /refused the connection/);
    await assert.rejects(previewObject(store, keys[2] as string), /neither CSV nor Parquet/);
    await assert.rejects(previewObject(store, `${prefix}missing.parquet`), /has no such object/);
  });
});

describe('mail catcher', () => {
  const mail = new MailCatcherClient(MAIL_API);
  const made: string[] = [];
  after(async () => { if (made.length > 0) await mail.delete(made); });

  it('lists a caught mail with subject and time, and reads its text', async () => {
    const subject = `it-mail ${randomUUID()}`;
    await sendMail(subject, 'rows: 42\r\n<b>not html</b>');
    let found: Awaited<ReturnType<MailCatcherClient['list']>>['messages'][number] | undefined;
    for (let i = 0; i < 20 && !found; i++) {
      found = (await mail.list(50)).messages.find((m) => m.subject === subject);
      if (!found) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(found, 'the mail is listed');
    made.push(found.id);
    assert.ok(Math.abs(Date.parse(found.created) - Date.now()) < 5 * 60_000);
    const message = await mail.message(found.id);
    assert.match(message.text, /rows: 42\r?\n<b>not html<\/b>/);
    assert.deepEqual(message.to, ['team@workbench.local']);
    await assert.rejects(new MailCatcherClient('http://127.0.0.1:39999').list(), /refused the connection/);
  });
});
