/**
 * The three-broker Kafka cluster of the native stack (`stack.sh up cluster`: KRaft brokers 1, 2
 * and 3 on 127.0.0.1:19092-19094, replication factor 3 and min.insync.replicas 2 by default) for
 * integration tests that need a broker to crash or restart. Not a test file.
 *
 * API:
 *   const cluster = await TestCluster.start();   // `stack.sh up cluster`: reuses a running cluster,
 *                                                // starts any stopped broker, waits for all 3
 *   cluster.bootstrap                 // ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094']
 *   cluster.brokerIds                 // [1, 2, 3]
 *   cluster.port(id) / address(id)    // 19091 + id / '127.0.0.1:<port>'
 *   cluster.pid(id)                   // the broker's process id, or undefined when it is not running
 *   await cluster.createTopic(name, { partitions: 3, replicationFactor: 3, configs, replicaAssignment })  // waits for leaders;
 *                                     // min.insync.replicas 2 unless configs say otherwise; deleted by close()
 *   await cluster.deleteTopic(name)
 *   await cluster.partitions(topic)   // [{ partition, leader, replicas, isr }] from kcat (leader -1 = none)
 *   await cluster.leaderOf(topic, p)  // the leader's broker id (-1 = none)
 *   await cluster.kill(id)            // SIGKILL (a crash); resolves when the process is gone
 *   await cluster.stop(id)            // SIGTERM: controlled shutdown, leadership moves first
 *   await cluster.startBroker(id)     // `stack.sh cluster start N`: resolves once the broker is registered
 *   await cluster.waitUntil(topic, (parts) => boolean, what, timeoutMs = 60_000)  // polls partitions()
 *   await cluster.waitForLeaderChange(topic, p, fromId)  // resolves with the new leader's id
 *   await cluster.waitOutOfIsr(topic, id)   // until broker id has left every ISR of the topic
 *   await cluster.waitInIsr(topic, id?)     // until every replica (or broker id) is back in every ISR
 *   await cluster.restoreAll()        // starts stopped brokers, waits until each is registered
 *   await cluster.close()             // deletes the topics it created; stops the cluster unless another
 *                                     // live test process still uses it or KAW_KEEP_CLUSTER=1
 *
 * Several test processes may use the cluster at once (each writes a lease file under
 * $KAW_STATE/cluster/users while it runs); the last one to close stops it. Call close() in an
 * `after` hook so a failing test stops the cluster too.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { stackCache } from './kafkaTools';

const STACK_SCRIPT = path.join(import.meta.dirname, '..', '..', 'stack', 'native', 'stack.sh');
const FIRST_PORT = Number(process.env['KAW_CLUSTER_PORT'] ?? '19092');
const BROKER_IDS = [1, 2, 3] as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One partition as the cluster's metadata describes it. */
export interface ClusterPartition {
  partition: number;
  /** -1 when the partition has no leader (offline). */
  leader: number;
  replicas: number[];
  isr: number[];
}

function stackState(): string {
  return process.env['KAW_STATE'] ?? path.join(stackCache(), 'state');
}

/** Runs stack.sh with `args`; rejects with its output when it fails. */
function stackSh(args: string[], timeoutMs = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [STACK_SCRIPT, ...args], { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`stack.sh ${args.join(' ')} failed (${error.message.split('\n')[0] ?? ''}):\n${stderr.slice(-3000)}${stdout.slice(-1000)}`));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

function kcatJson(bootstrap: string[], args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-b', bootstrap.join(','), '-m', '5', ...args, '-J'], { timeout: 15_000, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`kcat ${args.join(' ')} failed: ${error.message.split('\n')[0] ?? ''} ${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch (parseError) {
        reject(new Error(`kcat printed no JSON: ${stdout.slice(0, 300)}`, { cause: parseError }));
      }
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export class TestCluster {
  readonly brokerIds: readonly number[] = BROKER_IDS;
  readonly bootstrap: string[] = BROKER_IDS.map((id) => `127.0.0.1:${FIRST_PORT + id - 1}`);
  private readonly created = new Set<string>();
  private readonly leaseFile: string;
  private adminClient: Promise<Admin> | undefined;
  private closed = false;

  private constructor(private readonly stateDir: string) {
    this.leaseFile = path.join(stateDir, 'cluster', 'users', `${process.pid}-${randomUUID().slice(0, 8)}`);
  }

  /** Starts the cluster through stack.sh (reusing it when it runs) and waits for all three brokers. */
  static async start(): Promise<TestCluster> {
    const cluster = new TestCluster(stackState());
    mkdirSync(path.dirname(cluster.leaseFile), { recursive: true });
    writeFileSync(cluster.leaseFile, `${process.pid}\n`);
    try {
      await stackSh(['up', 'cluster']);
    } catch (error) {
      rmSync(cluster.leaseFile, { force: true });
      throw error;
    }
    return cluster;
  }

  port(id: number): number {
    this.checkId(id);
    return FIRST_PORT + id - 1;
  }

  address(id: number): string {
    return `127.0.0.1:${this.port(id)}`;
  }

  /** The broker's process id from stack.sh's pid file, or undefined when it does not run. */
  pid(id: number): number | undefined {
    this.checkId(id);
    let text: string;
    try {
      text = readFileSync(path.join(this.stateDir, 'pids', `cluster-${id}.pid`), 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number(text.trim().split(/\s+/)[0]);
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
  }

  /** SIGKILLs broker `id` (no controlled shutdown) and resolves when its process is gone. */
  async kill(id: number): Promise<void> {
    const pid = this.pid(id);
    assert.ok(pid !== undefined, `cluster broker ${id} is not running, so it cannot be killed`);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200 && pidAlive(pid); i++) await sleep(50);
    assert.ok(!pidAlive(pid), `cluster broker ${id} (pid ${pid}) still runs 10 s after SIGKILL`);
  }

  /** Stops broker `id` with SIGTERM (controlled shutdown: its leaderships move first). */
  async stop(id: number): Promise<void> {
    this.checkId(id);
    await stackSh(['cluster', 'stop', String(id)]);
  }

  /** Starts broker `id` again on its data and resolves once the cluster lists it. */
  async startBroker(id: number): Promise<void> {
    this.checkId(id);
    await stackSh(['cluster', 'start', String(id)]);
  }

  /** Starts every broker that is not running and waits for the three. */
  async restoreAll(): Promise<void> {
    await stackSh(['up', 'cluster']);
  }

  private admin(): Promise<Admin> {
    if (!this.adminClient) {
      const admin = new Kafka({ clientId: 'workbench-cluster-test', brokers: this.bootstrap, logLevel: logLevel.NOTHING, retry: { retries: 8 } }).admin();
      this.adminClient = admin.connect().then(() => admin);
      this.adminClient.catch(() => { this.adminClient = undefined; });
    }
    return this.adminClient;
  }

  /** Creates a topic (replication factor 3, min.insync.replicas 2 by default) and waits until each partition has a leader and a full ISR. */
  async createTopic(name: string, options: { partitions?: number; replicationFactor?: number; configs?: Record<string, string>; replicaAssignment?: number[][] } = {}): Promise<void> {
    const assignment = options.replicaAssignment;
    const partitions = assignment?.length ?? options.partitions ?? 3;
    const replicationFactor = options.replicationFactor ?? 3;
    const configs = { 'min.insync.replicas': '2', ...options.configs };
    const admin = await this.admin();
    this.created.add(name);
    const configEntries = Object.entries(configs).map(([n, value]) => ({ name: n, value }));
    // kafkajs's waitForLeaders fails when the broker it asks has not yet seen the new topic;
    // waitUntil below asks until every partition has a leader.
    await admin.createTopics({
      waitForLeaders: false,
      topics: [assignment
        ? { topic: name, replicaAssignment: assignment.map((replicas, partition) => ({ partition, replicas })), configEntries }
        : { topic: name, numPartitions: partitions, replicationFactor, configEntries }],
    });
    await this.waitUntil(name, (parts) => parts.length === partitions && parts.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length), `topic ${name} has ${partitions} partitions with leaders and full ISRs`);
  }

  async deleteTopic(name: string): Promise<void> {
    const admin = await this.admin();
    await admin.deleteTopics({ topics: [name], timeout: 30_000 });
    this.created.delete(name);
  }

  /** Leader, replicas and ISR of each partition, asked with kcat (a fresh metadata request each time). */
  async partitions(topic: string): Promise<ClusterPartition[]> {
    const json = await kcatJson(this.bootstrap, ['-L', '-t', topic]) as { topics?: { topic: string; error?: string; partitions?: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[] }[] };
    const entry = json.topics?.find((t) => t.topic === topic);
    if (!entry || entry.error) throw new Error(`the cluster does not describe topic ${topic}: ${entry?.error ?? 'not in the metadata'}`);
    return (entry.partitions ?? [])
      .map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas.map((r) => r.id), isr: p.isrs.map((r) => r.id) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async leaderOf(topic: string, partition: number): Promise<number> {
    const found = (await this.partitions(topic)).find((p) => p.partition === partition);
    assert.ok(found, `topic ${topic} has no partition ${partition}`);
    return found.leader;
  }

  /** Polls partitions(topic) until `done` holds; fails after `timeoutMs` with the last state. */
  async waitUntil(topic: string, done: (partitions: ClusterPartition[]) => boolean, what: string, timeoutMs = 60_000): Promise<ClusterPartition[]> {
    const deadline = Date.now() + timeoutMs;
    let last: ClusterPartition[] | string;
    for (;;) {
      try {
        const parts = await this.partitions(topic);
        last = parts;
        if (done(parts)) return parts;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s until ${what}; last metadata: ${JSON.stringify(last)}`);
      await sleep(250);
    }
  }

  /** Waits until partition `partition` has a leader other than `from` and returns it. */
  async waitForLeaderChange(topic: string, partition: number, from: number, timeoutMs = 60_000): Promise<number> {
    const parts = await this.waitUntil(topic, (ps) => {
      const p = ps.find((x) => x.partition === partition);
      return p !== undefined && p.leader >= 0 && p.leader !== from;
    }, `partition ${partition} of ${topic} has a leader other than broker ${from}`, timeoutMs);
    return parts.find((x) => x.partition === partition)?.leader ?? -1;
  }

  /** Waits until broker `id` is in no ISR of `topic` (the controller fenced it or it fell behind). */
  async waitOutOfIsr(topic: string, id: number, timeoutMs = 60_000): Promise<ClusterPartition[]> {
    return this.waitUntil(topic, (ps) => ps.every((p) => !p.isr.includes(id)), `broker ${id} left every ISR of ${topic}`, timeoutMs);
  }

  /** Waits until every replica (or only broker `id`) is back in the ISR of every partition of `topic`. */
  async waitInIsr(topic: string, id?: number, timeoutMs = 90_000): Promise<ClusterPartition[]> {
    return this.waitUntil(topic, (ps) => ps.length > 0 && ps.every((p) => p.leader >= 0 && (id === undefined ? p.replicas.every((r) => p.isr.includes(r)) : !p.replicas.includes(id) || p.isr.includes(id))),
      id === undefined ? `every replica of ${topic} is in sync` : `broker ${id} is back in every ISR of ${topic}`, timeoutMs);
  }

  /**
   * Deletes the topics this helper created and stops the cluster, unless another live test
   * process holds a lease on it or KAW_KEEP_CLUSTER=1. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const problems: string[] = [];
    if (this.created.size > 0) {
      try {
        await this.restoreAll();
        const admin = await this.admin();
        const existing = new Set(await admin.listTopics());
        const topics = [...this.created].filter((t) => existing.has(t));
        if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
        this.created.clear();
      } catch (error) {
        problems.push(`could not delete the test topics ${[...this.created].join(', ')}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const admin = this.adminClient;
    this.adminClient = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
    rmSync(this.leaseFile, { force: true });
    if (process.env['KAW_KEEP_CLUSTER'] !== '1' && this.otherUsers().length === 0) {
      try {
        await stackSh(['down', 'cluster']);
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    this.report(problems);
  }

  private report(problems: string[]): void {
    if (problems.length > 0) throw new Error(`Closing the test cluster: ${problems.join('; ')}`);
  }

  /** Lease files of other processes that still run (stale ones are removed). */
  private otherUsers(): string[] {
    const dir = path.dirname(this.leaseFile);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const own = path.basename(this.leaseFile);
    return names.filter((name) => {
      if (name === own) return false;
      const pid = Number(name.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return true;
      rmSync(path.join(dir, name), { force: true });
      return false;
    });
  }

  private checkId(id: number): void {
    assert.ok(BROKER_IDS.includes(id as 1 | 2 | 3), `the cluster has brokers 1, 2 and 3, not ${id}`);
  }
}
