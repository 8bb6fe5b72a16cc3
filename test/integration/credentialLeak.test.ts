/**
 * The credential-leak attack, tried for real: a folder's settings define a Kafka or Airflow
 * connection with the same name as one of the user's, pointing at a listener of the
 * attacker's. Here that listener is a recording proxy in front of the real server (a private
 * SASL PLAIN broker; the stack's Airflow 3), so it would see a password in clear if one were
 * sent. The user's password, saved for the user's own target, must never reach it: the
 * connection is refused before any byte goes out, with a message naming the new target. A
 * password the user enters on purpose for the new target does go through the proxy, which
 * shows the recorder sees what it is sent.
 *
 * VS Code's SecretStorage and Memento are replaced by in-memory stand-ins with the same
 * methods (`MemorySecretStorage`, `MemoryMemento`); everything else is the extension's code.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { airflowClientConfig } from '../../src/config/airflowConfig';
import { kafkaServiceConfig } from '../../src/config/kafkaConfig';
import { Secrets } from '../../src/config/secrets';
import { KafkaService } from '../../src/kafka/kafkaService';
import type { AirflowConnection, KafkaConnection } from '../../src/shared/connections';
import { airflowTarget, kafkaPasswordTarget, LegacySecretKey } from '../../src/shared/credentials';
import { WorkbenchError } from '../../src/shared/errors';
import { silentLogger } from '../../src/shared/logger';
import { freePorts } from './kafkaTools';
import { ThrowawayBroker } from './throwawayBroker';

const USER = 'etl';
const PASSWORD = 'the-users-real-password-7f3a';
const AIRFLOW_URL = 'http://127.0.0.1:8080';

/** Stand-in for VS Code's SecretStorage: the same four members, kept in a Map. */
class MemorySecretStorage {
  readonly values = new Map<string, string>();
  private readonly listeners = new Set<(e: vscode.SecretStorageChangeEvent) => unknown>();
  get(key: string): Promise<string | undefined> { return Promise.resolve(this.values.get(key)); }
  store(key: string, value: string): Promise<void> { this.values.set(key, value); this.fire(key); return Promise.resolve(); }
  delete(key: string): Promise<void> { this.values.delete(key); this.fire(key); return Promise.resolve(); }
  private fire(key: string): void { for (const l of this.listeners) l({ key }); }
  readonly onDidChange = (listener: (e: vscode.SecretStorageChangeEvent) => unknown): { dispose(): void } => {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  };
}

/** Stand-in for VS Code's Memento (global state). */
class MemoryMemento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] { return [...this.values.keys()]; }
  get<T>(key: string, fallback?: T): T | undefined { return (this.values.has(key) ? this.values.get(key) : fallback) as T | undefined; }
  update(key: string, value: unknown): Promise<void> { this.values.set(key, value); return Promise.resolve(); }
}

function newSecrets(): { storage: MemorySecretStorage; secrets: Secrets } {
  const storage = new MemorySecretStorage();
  return { storage, secrets: new Secrets(storage, new MemoryMemento()) };
}

/** A TCP proxy to `port` that keeps every byte the client sends: the attacker's listener. */
class RecordingTcpProxy {
  readonly received: Buffer[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly targetPort: number) {}
  async start(listenPort: number): Promise<void> {
    this.port = listenPort;
    this.server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => { this.received.push(Buffer.from(chunk)); });
      client.pipe(upstream).pipe(client);
      const close = (): void => { client.destroy(); upstream.destroy(); };
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((resolve) => this.server?.listen(listenPort, '127.0.0.1', resolve));
  }
  bytes(): Buffer { return Buffer.concat(this.received); }
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  }
}

/** An HTTP proxy to the stack's Airflow that keeps each request's method, path, headers and body. */
class RecordingHttpProxy {
  readonly requests: { method: string; path: string; authorization: string; body: string }[] = [];
  private server: HttpServer | undefined;
  port = 0;
  async start(listenPort: number): Promise<void> {
    this.port = listenPort;
    this.server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization ?? '', body: body.toString('utf8') });
        const headers = { ...req.headers, host: '127.0.0.1:8080' };
        const upstream = httpRequest({ host: '127.0.0.1', port: 8080, method: req.method, path: req.url, headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.on('error', () => { res.writeHead(502).end(); });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(listenPort, '127.0.0.1', resolve));
  }
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'wb-credential-leak-'));
const broker = new ThrowawayBroker(dir, 'SASL PLAIN broker');
let brokerPort = 0;
let kafkaProxy: RecordingTcpProxy;
const airflowProxy = new RecordingHttpProxy();

const resolveFile = (file: string): string => file;

before(async () => {
  const [listenerPort, controllerPort, proxyPort, httpProxyPort] = await freePorts(4) as [number, number, number, number];
  brokerPort = listenerPort;
  broker.configure({
    controllerPort,
    listeners: `SASL_PLAINTEXT://127.0.0.1:${brokerPort}`,
    interBrokerListener: 'SASL_PLAINTEXT',
    protocolMap: 'SASL_PLAINTEXT:SASL_PLAINTEXT',
    extra: [
      'sasl.enabled.mechanisms=PLAIN',
      'sasl.mechanism.inter.broker.protocol=PLAIN',
      `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_${USER}="${PASSWORD}" user_chosen="chosen-for-the-new-target";`,
    ],
  });
  await broker.start([brokerPort]);
  kafkaProxy = new RecordingTcpProxy(brokerPort);
  await kafkaProxy.start(proxyPort);
  await airflowProxy.start(httpProxyPort);
});

after(async () => {
  await kafkaProxy.stop();
  await airflowProxy.stop();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a folder cannot take a saved password by reusing a connection name', { concurrency: false }, () => {
  const users = (): KafkaConnection => ({ name: 'prod', brokers: [`127.0.0.1:${brokerPort}`], ssl: false, saslMechanism: 'plain', saslUsername: USER });
  const folders = (): KafkaConnection => ({ ...users(), brokers: [`127.0.0.1:${kafkaProxy.port}`] });

  it('Kafka: the user\'s connection signs in with its saved password', async () => {
    const { secrets } = newSecrets();
    await secrets.store(kafkaPasswordTarget(users()), PASSWORD);
    const service = new KafkaService(await kafkaServiceConfig(users(), { secrets, requestTimeoutMs: 8000, resolveFile }), silentLogger);
    try {
      const cluster = await service.describeCluster();
      assert.equal(cluster.brokers[0]?.port, brokerPort);
    } finally {
      await service.dispose();
    }
  });

  it('Kafka: the same name pointing at another listener gets no password, says why, and sends it nothing', async () => {
    const { secrets } = newSecrets();
    await secrets.store(kafkaPasswordTarget(users()), PASSWORD);
    const before = kafkaProxy.bytes().length;
    await assert.rejects(kafkaServiceConfig(folders(), { secrets, requestTimeoutMs: 8000, resolveFile }), (error: unknown) => {
      assert.ok(error instanceof WorkbenchError);
      assert.match(error.message, new RegExp(`"prod" now points at 127\\.0\\.0\\.1:${kafkaProxy.port} as ${USER}`));
      assert.match(error.message, new RegExp(`saved for 127\\.0\\.0\\.1:${brokerPort} as ${USER}`));
      assert.match(error.message, /not sent to a new target/);
      assert.deepEqual(error.actions.map((a) => (typeof a === 'string' ? a : a.title)), ['Enter Password']);
      return true;
    });
    assert.equal(kafkaProxy.bytes().length, before, 'the attacker\'s listener received nothing');
  });

  it('Kafka: a password saved by name by an earlier release moves to the user\'s own target, never to the folder\'s', async () => {
    const { storage, secrets } = newSecrets();
    await storage.store(LegacySecretKey.kafkaPassword('prod'), PASSWORD);
    const moved = await secrets.migrateLegacy({ kafka: [users()], airflow: [], history: undefined }, { kafka: ['prod'], airflow: [] });
    assert.equal(moved, 1);
    assert.equal(await storage.get(LegacySecretKey.kafkaPassword('prod')), undefined, 'the name-keyed secret is deleted');
    await assert.rejects(kafkaServiceConfig(folders(), { secrets, requestTimeoutMs: 8000, resolveFile }), /now points at/);
    const service = new KafkaService(await kafkaServiceConfig(users(), { secrets, requestTimeoutMs: 8000, resolveFile }), silentLogger);
    try {
      assert.equal((await service.describeCluster()).brokers[0]?.port, brokerPort);
    } finally {
      await service.dispose();
    }
    assert.ok(!kafkaProxy.bytes().includes(PASSWORD), 'the real password never crossed the attacker\'s listener');
  });

  it('Kafka: only a password entered for the new target goes there (the recorder sees what it is sent)', async () => {
    const { secrets } = newSecrets();
    await secrets.store(kafkaPasswordTarget(users()), PASSWORD);
    const chosen: KafkaConnection = { ...folders(), saslUsername: 'chosen' };
    await secrets.store(kafkaPasswordTarget(chosen), 'chosen-for-the-new-target');
    const service = new KafkaService(await kafkaServiceConfig(chosen, { secrets, requestTimeoutMs: 8000, resolveFile }), silentLogger);
    try {
      await service.listTopics();
    } finally {
      await service.dispose();
    }
    const seen = kafkaProxy.bytes();
    assert.ok(seen.includes('chosen-for-the-new-target'), 'the recorder saw the SASL PLAIN bytes of the chosen password');
    assert.ok(!seen.includes(PASSWORD), 'and never the user\'s real password');
  });

  it('Airflow: the same name pointing at another URL gets no password, and the listener sees no request', async () => {
    const { secrets } = newSecrets();
    const mine: AirflowConnection = { name: 'airflow', url: AIRFLOW_URL, auth: 'password', username: 'admin' };
    await secrets.store(airflowTarget(mine), 'admin');
    const real = new AirflowClient(await airflowClientConfig(mine, secrets, 8000), silentLogger);
    assert.match((await real.serverInfo()).version, /^3\./);

    const rogue: AirflowConnection = { ...mine, url: `http://127.0.0.1:${airflowProxy.port}` };
    await assert.rejects(airflowClientConfig(rogue, secrets, 8000), (error: unknown) => {
      assert.ok(error instanceof WorkbenchError);
      assert.match(error.message, new RegExp(`"airflow" now points at http://127\\.0\\.0\\.1:${airflowProxy.port} as admin`));
      assert.match(error.message, /saved for http:\/\/127\.0\.0\.1:8080 as admin/);
      return true;
    });
    assert.equal(airflowProxy.requests.length, 0, 'the attacker\'s listener received no request');

    // The control: a password entered for the proxy's URL is sent there, and the recorder shows it.
    await secrets.store(airflowTarget(rogue), 'admin');
    const chosen = new AirflowClient(await airflowClientConfig(rogue, secrets, 8000), silentLogger);
    await chosen.listDags({ limit: 1, offset: 0 });
    assert.ok(airflowProxy.requests.some((r) => r.body.includes('"password":"admin"') || r.authorization !== ''), 'the recorder saw the sign-in');
  });
});
