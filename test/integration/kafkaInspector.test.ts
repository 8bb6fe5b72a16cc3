/**
 * The editor's Kafka features against the native broker on 127.0.0.1:9092, without the
 * editor: the producer form's template sends what the user wrote (read back with kcat), the
 * Message Inspector's source reads it back page by page, filters and exports it, shows
 * binary and HTML payloads written by kcat as hex and as text, follows new messages and stops.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { recordsToJson } from '../../src/kafka/export';
import { detailOf } from '../../src/panels/inspectorSource';
import { checkProducerForm, defaultForm } from '../../src/kafka/producerForm';
import { compilePlan, summarizeRun } from '../../src/panels/producerMessages';
import { InspectorSources, NATIVE_BROKER, nativeKafkaService, READ_ALL, readTopic, untilStatus } from '../support/inspector';
import { removeTestTopics } from '../support/testTopics';

const run = promisify(execFile);
const XSS = '<img src=x onerror=alert(1)><script>alert(1)</script>';

const service = nativeKafkaService();
const topic = `wb-inspector-${randomUUID().slice(0, 8)}`;
const sources = new InspectorSources(service);

function kcatProduce(args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', ['-b', NATIVE_BROKER, '-P', '-t', topic, ...args], (error) => {
      if (error) reject(new Error(`kcat -P failed: ${error.message}`));
      else resolve();
    });
    child.stdin?.end(input ?? '');
  });
}

describe('Kafka features of the editor against the native broker', () => {
  before(async () => {
    await service.createTopic({ name: topic, partitions: 3, replicationFactor: 1 });
  });

  after(async () => {
    sources.dispose();
    await removeTestTopics(service, [topic]);
    await service.dispose();
  });

  it('sends 100 messages from the producer form\'s template; kcat reads what the form said', async () => {
    const form = { ...defaultForm('it', topic), key: 'order-{{seq}}', value: '{"order_id": "{{seq}}", "customer": "{{faker.person.fullName}}"}', count: '100', headers: [{ key: 'source', value: 'form' }] };
    const checked = checkProducerForm(form, { partitions: 3, dataTypes: ['order'], compressions: ['none'] });
    assert.ok(checked.ok);
    const result = await service.produce(compilePlan(checked.plan).renderMany(100), { topic });
    const summary = summarizeRun('it', result, 100);
    assert.equal(summary.sent, 100);
    assert.equal(summary.failed, 0);
    assert.equal(summary.partitions.reduce((n, p) => n + p.count, 0), 100);
    const { stdout } = await run('kcat', ['-b', NATIVE_BROKER, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%k\t%s\n']);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 100);
    const byKey = new Map(lines.map((l) => l.split('\t') as [string, string]));
    const seventh = JSON.parse(byKey.get('order-7') ?? '{}') as { order_id: number; customer: string };
    assert.equal(seventh.order_id, 7);
    assert.ok(seventh.customer.length > 2);
  });

  it('the inspector reads them all, pages rows, and filters by text and partition in the host', async () => {
    const s = sources.open(topic);
    assert.deepEqual((await s.describe()).partitions, [0, 1, 2]);
    const status = await readTopic(s);
    assert.equal(status.loaded, 100);
    assert.match(status.message, /Read all 100 messages/);
    const page = s.rows(10, 30);
    assert.equal(page.rows.length, 20);
    assert.equal(page.matched, 100);

    const filtered = s.setFilter({ text: 'order-42', partitions: [] });
    assert.equal(filtered.matched, 1);
    assert.ok(filtered.generation > page.generation);
    const row = s.rows(0, 10).rows[0];
    assert.ok(row);
    assert.equal(row.key, 'order-42');

    const { partition } = row;
    const inPartition = s.setFilter({ text: '', partitions: [partition] });
    const expected = s.rows(0, 1000).rows.every((r) => r.partition === partition);
    assert.ok(expected && inPartition.matched > 0 && inPartition.matched < 100);

    s.setFilter({ text: '', partitions: [] });
    const exported = JSON.parse(recordsToJson(s.records('filtered'))) as unknown[];
    assert.equal(exported.length, 100);
  });

  it('shows a binary value written by kcat as hex and an HTML payload as the characters it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kaw-it-'));
    try {
      const binary = join(dir, 'binary.bin');
      await writeFile(binary, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x41]));
      await kcatProduce(['-p', '0', binary]);
      await kcatProduce(['-p', '0', '-K', '\t'], `xss-key\t${XSS}\n`);
      const s = sources.open(topic);
      await readTopic(s, { partitions: [0] });
      const rows = s.rows(0, 1000).rows;
      const bin = rows.find((r) => r.valueKind === 'binary');
      assert.ok(bin, 'the binary message is listed');
      assert.match(bin.value, /^0x ff fe 00 01 80 41/);
      assert.match(detailOf(bin.id, s.record(bin.id)!).value.hex, /ff fe 00 01 80 41/);
      const xss = rows.find((r) => r.key === 'xss-key');
      assert.ok(xss, 'the HTML message is listed');
      assert.equal(xss.value, XSS);
      assert.equal(detailOf(xss.id, s.record(xss.id)!).value.text, XSS);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('follows new messages from the end and stops when told', async () => {
    const s = sources.open(topic);
    await s.describe();
    s.start({ ...READ_ALL, start: 'end', follow: true });
    await untilStatus(s, (st) => st.state === 'following');
    // Give the reader a moment to position at the end before writing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await kcatProduce(['-K', ':'], 'f1:one\nf2:two\nf3:three\n');
    const status = await untilStatus(s, (st) => st.loaded >= 3);
    assert.equal(status.state, 'following');
    assert.deepEqual(s.rows(0, 10).rows.map((r) => r.key).sort(), ['f1', 'f2', 'f3']);
    s.stop();
    const stopped = await untilStatus(s, (st) => st.state === 'stopped');
    assert.match(stopped.message, /Stopped after 3 messages/);
  });

  it('starts at an offset, at a time, and at the latest N; and refuses a partition the topic lacks', async () => {
    const s = sources.open(topic);
    assert.equal((await readTopic(s, { start: 'latest', startValue: '2' })).loaded, 6);

    const fromOffset = await readTopic(s, { start: 'offset', startValue: '30', partitions: [1] });
    assert.ok(s.rows(0, 1000).rows.every((r) => r.partition === 1 && BigInt(r.offset) >= 30n));
    assert.ok(fromOffset.loaded > 0);

    assert.equal((await readTopic(s, { start: 'timestamp', startValue: String(Date.now() + 3_600_000) })).loaded, 0);

    assert.throws(() => { s.start({ ...READ_ALL, partitions: [7] }); }, /partitions 0 to 2; 7 does not exist/);
  });

  it('stops at the maximum and says how to read more', async () => {
    const status = await readTopic(sources.open(topic), { maxMessages: 10 });
    assert.equal(status.loaded, 10);
    assert.match(status.message, /maximum of 10 messages.*Raise "Max messages"/);
  });

  it('reports a missing topic as a sentence, not a hang', async () => {
    const missing = sources.open(`${topic}-missing`);
    await assert.rejects(missing.describe(), (error: unknown) => error instanceof Error && /does not exist|unknown topic|not exist/i.test(error.message));
  });
});
