/**
 * The Spark row of the native stack's health without a Spark job: how it is worded (as
 * `stack.sh status` words it), the jars check on real directories, the driver UI probe against
 * ports where nothing or something else than Spark answers, and why an idle Spark does not
 * change the status bar's "N/N healthy". A running driver is covered by the Spark pipeline's
 * own tests, which start a real job.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findSparkDriverUi, isSparkApplications, NATIVE_SERVICES, sparkJarsState, sparkProbe, type ServiceHealth, type ServiceState } from '../../src/stack/serviceHealth';
import { statusBarText, summarizeStack, unhealthyServicesBadge } from '../../src/stack/stackSummary';

function row(id: string, state: ServiceState, onDemand = false): ServiceHealth {
  return { id, name: id, state, detail: 'detail', logsTarget: id, ...(onDemand ? { onDemand: true as const } : {}) };
}

describe('the Spark row', () => {
  it('is listed last with the stack.sh logs target spark and does not count in the sum', () => {
    const spark = NATIVE_SERVICES.at(-1);
    assert.deepEqual(spark, { id: 'spark', name: 'Spark', logsTarget: 'spark', onDemand: true });
  });

  it('says idle, job running with its driver UI, or how to install missing jars', () => {
    assert.deepEqual(sparkProbe({ kind: 'installed' }, undefined), { state: 'healthy', detail: 'jars installed, idle' });
    assert.deepEqual(sparkProbe({ kind: 'installed' }, 'http://127.0.0.1:4040'), { state: 'healthy', detail: 'job running, driver UI http://127.0.0.1:4040', url: 'http://127.0.0.1:4040' });
    assert.deepEqual(sparkProbe({ kind: 'missing' }, undefined), { state: 'unhealthy', detail: 'jars missing: run stack.sh install spark' });
    assert.deepEqual(sparkProbe({ kind: 'unknown', reason: 'stack.sh env failed' }, undefined), { state: 'unhealthy', detail: 'jars not checked: stack.sh env failed' });
  });

  it('finds the jars by the .complete marker stack.sh install spark writes last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kaw-spark-jars-'));
    try {
      assert.deepEqual(await sparkJarsState(() => Promise.resolve(dir)), { kind: 'missing' }, 'a half-downloaded directory is not installed');
      assert.deepEqual(await sparkJarsState(() => Promise.resolve(join(dir, 'absent'))), { kind: 'missing' });
      writeFileSync(join(dir, '.complete'), '2026-12-05T02:00:00+00:00\n');
      assert.deepEqual(await sparkJarsState(() => Promise.resolve(dir)), { kind: 'installed' });
      assert.deepEqual(await sparkJarsState(() => Promise.reject(new Error('stack.sh env exited 1'))), { kind: 'unknown', reason: 'stack.sh env exited 1' });
      assert.equal((await sparkJarsState(undefined)).kind, 'unknown');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('recognizes a Spark driver only by its /api/v1/applications list', () => {
    assert.equal(isSparkApplications(200, [{ id: 'local-1764900000000', name: 'product_recalls', attempts: [] }]), true);
    assert.equal(isSparkApplications(200, []), false);
    assert.equal(isSparkApplications(404, [{ id: 'x' }]), false);
    assert.equal(isSparkApplications(200, { status: 'ok' }), false);
  });
});

describe('the Spark driver UI probe', () => {
  // Something that is not Spark on a port of the range (here: an HTTP server answering 404).
  let other: Server;
  let otherPort: number;
  let deadPort: number;
  before(async () => {
    other = createServer((_req, res) => { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherPort = (other.address() as AddressInfo).port;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => { resolve(); }));
  });
  after(() => { other.close(); });

  it('finds no driver where nothing listens or something else answers, quickly', async () => {
    const started = performance.now();
    assert.equal(await findSparkDriverUi('127.0.0.1', [deadPort, otherPort], 1500), undefined);
    assert.ok(performance.now() - started < 1000, 'refused and 404 answers come back at once');
  });
});

describe('counting Spark in the status bar', () => {
  const running = [row('kafka', 'healthy'), row('postgres', 'healthy')];

  it('leaves an idle Spark out of "N/N healthy"', () => {
    assert.equal(statusBarText([...running, row('spark', 'healthy', true)], false), '$(server) Stack: 2/2 healthy');
  });

  it('keeps a stopped stack "stopped" although the jars stay installed', () => {
    const stopped = [row('kafka', 'stopped'), row('postgres', 'stopped'), row('spark', 'healthy', true)];
    assert.equal(summarizeStack(stopped).overall, 'stopped');
    assert.equal(statusBarText(stopped, false), '$(server) Stack: stopped');
  });

  it('shows missing jars on the Stack view badge without making the stack unhealthy', () => {
    const missing = [...running, row('spark', 'unhealthy', true)];
    assert.equal(summarizeStack(missing).overall, 'healthy');
    assert.equal(unhealthyServicesBadge(missing, false)?.value, 1);
  });
});
