/**
 * A private, throw-away Kafka broker for integration tests that need a fault or a listener the
 * shared native broker must not be made to show (SASL users, TLS listeners, a broker that stops
 * mid-run). Same Kafka jars as the native stack, KRaft single node, its own ports and folder;
 * killed by its own process id. Not a test file.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { probeTcp } from '../../src/stack/health';
import { kafkaClassPath, kafkaToolsLogging } from './kafkaTools';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface ThrowawayBrokerLayout {
  controllerPort: number;
  /** The client listeners, e.g. `SSL://127.0.0.1:9100,SASL_SSL://127.0.0.1:9101` (also advertised). */
  listeners: string;
  interBrokerListener: string;
  /** listener.security.protocol.map without the CONTROLLER entry. */
  protocolMap: string;
  /** Further server.properties lines (security settings). */
  extra: string[];
  /** Further arguments of `kafka-storage format`, e.g. `--add-scram`. */
  formatArgs?: string[];
}

export class ThrowawayBroker {
  private child: ChildProcess | undefined;

  constructor(private readonly dir: string, private readonly label: string) {}

  private get propertiesFile(): string {
    return path.join(this.dir, 'server.properties');
  }

  /** Writes server.properties and formats the log folder. */
  configure(layout: ThrowawayBrokerLayout): void {
    writeFileSync(this.propertiesFile, [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${layout.controllerPort}`,
      `listeners=${layout.listeners},CONTROLLER://127.0.0.1:${layout.controllerPort}`,
      `advertised.listeners=${layout.listeners}`,
      `inter.broker.listener.name=${layout.interBrokerListener}`,
      'controller.listener.names=CONTROLLER',
      `listener.security.protocol.map=CONTROLLER:PLAINTEXT,${layout.protocolMap}`,
      ...layout.extra,
      `log.dirs=${path.join(this.dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'group.initial.rebalance.delay.ms=0',
      'num.network.threads=1',
      'num.io.threads=2',
      '',
    ].join('\n'));
    const format = spawnSync('java', [
      '-Xmx256m', kafkaToolsLogging(), '-cp', kafkaClassPath(), 'kafka.tools.StorageTool', 'format',
      '-t', randomUUID().replace(/-/g, '').slice(0, 22), '-c', this.propertiesFile, ...(layout.formatArgs ?? []),
    ], { encoding: 'utf8' });
    assert.equal(format.status, 0, format.stderr);
  }

  /** Starts the broker on the formatted folder and waits until every port in `ports` answers. */
  async start(ports: number[]): Promise<void> {
    const log = openSync(path.join(this.dir, 'broker.log'), 'a');
    const child = spawn('java', ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', kafkaToolsLogging(), '-cp', kafkaClassPath(), 'kafka.Kafka', this.propertiesFile], {
      stdio: ['ignore', log, log],
    });
    this.child = child;
    for (let i = 0; i < 120; i++) {
      const probes = await Promise.all(ports.map((p) => probeTcp('127.0.0.1', p, 500)));
      if (probes.every((p) => p.reachable)) return;
      if (child.exitCode !== null) throw new Error(`The ${this.label} exited (${child.exitCode}); see ${this.dir}/broker.log`);
      await sleep(500);
    }
    throw new Error(`The ${this.label} did not listen on ${ports.join(', ')} within 60 s; see ${this.dir}/broker.log`);
  }

  /** Kills the broker (SIGKILL: a crash, as the fault tests want) and waits for it to exit. */
  stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => { resolve(); });
      child.kill('SIGKILL');
    });
  }
}
