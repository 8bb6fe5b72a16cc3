/**
 * The rows of the bad-input matrix: each names a bad input a user can give (in the settings,
 * a template, a form, a command) or meet (a port that is taken, a server that answers HTML, a
 * half-written download), the words the error must use for its cause and for the next step,
 * and how long the failing call may take; its `run` makes the call against real servers (the
 * shared native stack, or a throw-away local listener for what the stack cannot show) and
 * checks that nothing was written where it should not be. badInput.test.ts runs the table.
 * Not a test file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser/lib/esm/main.js';
import pg from 'pg';
import type { AirflowClient } from '../../src/airflow/airflowClient';
import type { AirflowConnectionConfig } from '../../src/airflow/types';
import type { MessageHistoryStore } from '../../src/history/messageHistoryStore';
import type { HistoryStoreConfig } from '../../src/history/types';
import type { KafkaService } from '../../src/kafka/kafkaService';
import { loadTemplates } from '../../src/kafka/templates';
import type { KafkaConnectionConfig, ProduceResult } from '../../src/kafka/types';
import { parseAirflowConnections, parseHistoryConnection, parseKafkaConnections } from '../../src/shared/connections';
import { describeError, WorkbenchError } from '../../src/shared/errors';
import type { Logger } from '../../src/shared/logger';
import { StackLauncher } from '../../src/stack/launcher';
import { localStack } from '../../src/stack/localStack';
import { checkConf } from '../../src/trace/batchConsumerService';
import type { TraceHistoryStore } from '../../src/trace/traceHistoryStore';
import { TraceService } from '../../src/trace/traceService';
import { attemptProblems, type Attempt, type BadInputCase, type Seen } from './badInputHarness';
import { stackCache } from './kafkaTools';

export const AIRFLOW3 = localStack.airflow.url;
export const AIRFLOW2 = 'http://127.0.0.1:8081';
const HELLO = 'workbench_test_hello';
const TEST_URI = 'workbench://test/dataset';
const REPO = path.join(import.meta.dirname, '..', '..');

/** The request timeout of connections that point at a dead or silent address: short, so the suite is fast. */
export const SHORT_TIMEOUT_MS = 2_000;
/** The request timeout of connections to the real stack: long enough for a loaded 2-core machine to answer. */
export const STACK_TIMEOUT_MS = 10_000;
/** What the failing call may take on top of the configured timeout (retries with backoff, a slow event loop). */
const MARGIN_MS = 2_000;
/** For checks that need no server (settings, templates, forms). */
const LOCAL_LIMIT_MS = 1_000;
/** Checking a faker method loads faker (0.4 MB, on first use) in this process: more room on a loaded machine. */
const FAKER_LIMIT_MS = 5_000;
const SHORT_LIMIT_MS = SHORT_TIMEOUT_MS + MARGIN_MS;
const STACK_LIMIT_MS = STACK_TIMEOUT_MS + MARGIN_MS;

/** What the rows share, made by badInput.test.ts before the table runs and torn down after. */
export interface Fixtures {
  /** Unique to this run, for topic and folder names. */
  run: string;
  /** A topic on the shared broker with 3 partitions and max.message.bytes = 1 MiB, deleted at the end. */
  topic: string;
  ports: { silent: number; closed: number; html: number };
  logger: Logger;
  /** A KafkaService (disposed at the end); the default is the shared broker. */
  kafka: (overrides?: Partial<KafkaConnectionConfig>) => KafkaService;
  airflow: (url: string, overrides?: Partial<AirflowConnectionConfig>) => AirflowClient;
  /** A history store (disposed at the end); the default is the shared stack's database. */
  history: (overrides?: Partial<HistoryStoreConfig>) => MessageHistoryStore;
  traceHistory: (overrides?: Partial<HistoryStoreConfig>) => TraceHistoryStore;
  /** Holds a listener on a free port until released. */
  takePort: () => Promise<number>;
  releasePort: (port: number) => Promise<void>;
  /** A folder for this run under the system temp folder, removed at the end. */
  scratch: (name: string) => string;
  /** Registers a clean-up that runs at the end even when a row failed. */
  onTeardown: (step: () => Promise<void> | void) => void;
}

// ---------------------------------------------------------------------------------------------
// Small helpers of the rows
// ---------------------------------------------------------------------------------------------

/** Settings text as a user writes it in settings.json, read the way VS Code reads it (jsonc-parser: comments, trailing commas, and whatever survives a syntax error). */
function settingsValue(text: string, key: string): unknown {
  const root = parseJsonc(`{ "${key}": ${text} }`, [], { allowTrailingComma: true, disallowComments: false }) as Record<string, unknown> | undefined;
  return root?.[key];
}

/** What the producer panel lists for a run that wrote nothing: the first message's reason. */
function produceFailure(result: ProduceResult): never {
  assert.equal(result.sent, 0, 'a message was written');
  const first = result.errors[0];
  assert.ok(first, 'the result names no error');
  throw new WorkbenchError(first.message, { actions: [] });
}

async function endOffsets(kafka: KafkaService, topic: string): Promise<string[]> {
  return (await kafka.describeTopic(topic)).partitionInfo.map((p) => p.high);
}

async function topicExists(kafka: KafkaService, name: string): Promise<boolean> {
  return (await kafka.listTopics()).some((t) => t.name === name);
}

async function datasetEventCount(client: AirflowClient): Promise<number> {
  return (await client.listDatasetEvents({ uri: TEST_URI, limit: 1, offset: 0 })).totalEntries;
}

async function historyRowCount(store: MessageHistoryStore): Promise<number> {
  return (await store.summary()).total;
}

/**
 * A JWT for user admin that the running Airflow 3 signed an hour ago and that expired 30
 * minutes ago: signed with the stack's own JWT secret (stack/native/lib/airflow3.sh keeps it
 * in the state folder), so the server checks the signature, finds it good, and refuses the
 * token only for being expired, as it would a token pasted yesterday.
 */
function expiredAirflow3Token(): string {
  const state = process.env['KAW_STATE'] ?? path.join(stackCache(), 'state');
  const file = path.join(state, 'airflow3', 'secrets.env');
  assert.ok(existsSync(file), `The native stack's Airflow 3 secrets are not in ${file}: start it with "bash stack/native/stack.sh up airflow3" (or set KAW_STATE to its state folder)`);
  const secret = /^KAW_AF3_JWT_SECRET=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
  assert.ok(secret, `No KAW_AF3_JWT_SECRET in ${file}`);
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = part({ alg: 'HS512', kid: 'not-used', typ: 'JWT' });
  const body = part({ sub: 'admin', role: 'admin', teams: [], jti: randomUUID().replaceAll('-', ''), aud: 'apache-airflow', iat: now - 3600, nbf: now - 3600, exp: now - 1800 });
  const signature = createHmac('sha512', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

interface ScriptRun {
  code: number | null;
  output: string;
}

/** Runs stack/native/stack.sh with `args` and extra environment (an isolated state or cache folder). */
function stackScript(args: string[], env: Record<string, string>, timeoutMs: number): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(REPO, 'stack', 'native', 'stack.sh'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const timer = setTimeout(() => { child.kill('SIGTERM'); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, output }); });
  });
}

/** Sets environment variables for the duration of `work` (the launcher spawns stack.sh with this process's environment). */
async function withEnvironment<T>(vars: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    return await work();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) Reflect.deleteProperty(process.env, key);
      else process.env[key] = value;
    }
  }
}

/** Files under `dir`, relative, sorted (for "nothing was left behind"). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** A recovery instead of an error: the call must succeed; what it printed is what the user sees. */
async function recovers(attempt: Attempt, call: () => Promise<string>): Promise<{ seen: Seen; elapsedMs: number }> {
  let printed = '';
  let failure: unknown;
  const { elapsedMs } = await attempt(async () => {
    try {
      printed = await call();
    } catch (error) {
      failure = error;
    }
    // attempt() times a call that fails; a recovery is timed the same way.
    throw new Error('recovered');
  });
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(describeError(failure));
  return { seen: { message: printed, actions: [] }, elapsedMs };
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

export function badInputCases(fx: Fixtures): BadInputCase[] {
  const short = { requestTimeoutMs: SHORT_TIMEOUT_MS };
  const kafkaSettings = 'kafkaAirflow.kafka.connections';

  const settingsRows: BadInputCase[] = [
    {
      id: 'settings-kafka-object', area: 'settings', needs: [],
      input: 'kafka.connections is one object instead of a list',
      cause: ['kafkaAirflow.kafka.connections'], nextStep: ['must be a list of connections'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections(settingsValue('{ "name": "Local", "brokers": ["127.0.0.1:9092"] }', kafkaSettings)).problems),
    },
    {
      id: 'settings-kafka-no-brokers', area: 'settings', needs: [],
      input: 'a Kafka connection with an empty brokers list',
      cause: ['"Local"', 'brokers'], nextStep: ['give "brokers" as a list of host:port'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections(settingsValue('[ { "name": "Local", "brokers": [] } ]', kafkaSettings)).problems),
    },
    {
      id: 'settings-kafka-brokers-string', area: 'settings', needs: [],
      input: 'brokers given as one string, in settings.json with comments and trailing commas',
      cause: ['"Local"', 'brokers'], nextStep: ['as a list of host:port'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections(settingsValue('[ { "name": "Local", "brokers": "127.0.0.1:9092", }, ] // mine\n', kafkaSettings)).problems),
    },
    {
      id: 'settings-json-unquoted-broker', area: 'settings', needs: [],
      input: 'malformed settings.json: a broker address without quotes',
      cause: ['"Local"', 'brokers'], nextStep: ['as a list of host:port'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections(settingsValue('[ { "name": "Local", "brokers": [127.0.0.1:9092] } ]', kafkaSettings)).problems),
    },
    {
      id: 'settings-json-unclosed-string', area: 'settings', needs: [],
      input: 'malformed settings.json: a broker string that is never closed',
      cause: ['is not a broker address'], nextStep: ['Write host:port'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections(settingsValue('[ { "name": "Local", "brokers": ["127.0.0.1:9092], } ]', kafkaSettings)).problems),
    },
    {
      id: 'settings-json-unquoted-key', area: 'settings', needs: [],
      input: 'malformed settings.json: name written without quotes (name: "Local")',
      cause: ['#1', '"name"'], nextStep: ['give it a name', 'add "name"', 'for example "name"'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections(settingsValue('[ { name: "Local", "brokers": ["127.0.0.1:9092"] } ]', kafkaSettings)).problems),
    },
    {
      id: 'settings-kafka-broker-no-port', area: 'settings', needs: [],
      input: 'a broker written as "localhost" (no port)',
      cause: ['"localhost" is not a broker address'], nextStep: ['Write host:port'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections([{ name: 'Local', brokers: ['localhost'] }]).problems),
    },
    {
      id: 'settings-kafka-port-range', area: 'settings', needs: [],
      input: 'a broker port out of range (127.0.0.1:99999)',
      cause: ['port 99999'], nextStep: ['between 1 and 65535'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections([{ name: 'Local', brokers: ['127.0.0.1:99999'] }]).problems),
    },
    {
      id: 'settings-kafka-sasl-unknown', area: 'settings', needs: [],
      input: 'saslMechanism "kerberos"',
      cause: ['saslMechanism'], nextStep: ['must be one of'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections([{ name: 'Local', brokers: ['127.0.0.1:9092'], saslMechanism: 'kerberos' }]).problems),
    },
    {
      id: 'settings-duplicate-names', area: 'settings', needs: [],
      input: 'two Kafka connections with the same name',
      cause: ['defined twice'], nextStep: ['Give each a unique name'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseKafkaConnections([{ name: 'A', brokers: ['127.0.0.1:9092'] }, { name: 'A', brokers: ['127.0.0.1:9093'] }]).problems),
    },
    {
      id: 'settings-airflow-url-no-scheme', area: 'settings', needs: [],
      input: 'an Airflow URL without http:// (127.0.0.1:8080)',
      cause: ['"127.0.0.1:8080"'], nextStep: ['http://'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseAirflowConnections([{ name: 'Local', url: '127.0.0.1:8080', username: 'admin' }]).problems),
    },
    {
      id: 'settings-history-port-string', area: 'settings', needs: [],
      input: 'history port written as a string ("5432")',
      cause: ['"port"'], nextStep: ['must be a number between 1 and 65535'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseHistoryConnection({ host: '127.0.0.1', port: '5432' }).problems),
    },
    {
      id: 'settings-history-url-string', area: 'settings', needs: [],
      input: 'history connection given as a postgresql:// URL string',
      cause: ['kafkaAirflow.history.connection'], nextStep: ['must be an object with host, port, database and user'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attemptProblems(attempt, () => parseHistoryConnection('postgresql://workbench@127.0.0.1:5432/workbench').problems),
    },
  ];

  const kafkaRows: BadInputCase[] = [
    {
      id: 'kafka-no-brokers', area: 'kafka', needs: [],
      input: 'a connection with no brokers reaches the Kafka service',
      cause: ['has no brokers'], nextStep: ['Add at least one host:port'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka({ brokers: [] })),
    },
    {
      id: 'kafka-closed-port', area: 'kafka', needs: [],
      input: 'a broker address where nothing listens',
      cause: ['refused the connection'], nextStep: ['Start the local stack', 'check the address'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka({ ...short, brokers: [`127.0.0.1:${fx.ports.closed}`] }).listTopics()),
    },
    {
      id: 'kafka-silent-port', area: 'kafka', needs: [],
      input: 'a broker address that accepts the connection and never answers',
      cause: ['did not answer in time'], nextStep: ['raise kafkaAirflow.requestTimeoutSeconds', 'Check the address'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka({ ...short, brokers: [`127.0.0.1:${fx.ports.silent}`] }).listTopics()),
    },
    {
      id: 'kafka-http-port', area: 'kafka', needs: [],
      input: 'a broker address that is an HTTP server',
      cause: ['closed the connection'], nextStep: ["is a Kafka broker's listener"], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka({ ...short, brokers: [`127.0.0.1:${fx.ports.html}`] }).listTopics()),
    },
    {
      id: 'kafka-tls-to-plaintext', area: 'kafka', needs: ['kafka'],
      input: 'TLS switched on for a plaintext listener',
      cause: ['TLS handshake'], nextStep: ['Set "ssl" to false'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka({ ...short, ssl: true }).listTopics()),
    },
    {
      id: 'kafka-sasl-to-plaintext', area: 'kafka', needs: ['kafka'],
      input: 'SASL PLAIN with a password against a listener without SASL',
      cause: ['does not accept SASL plain'], nextStep: ["Check the connection's SASL mechanism"], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka({ ...short, saslMechanism: 'plain', saslUsername: 'etl', password: 'wrong' }).listTopics()),
    },
    {
      id: 'kafka-sasl-no-password', area: 'kafka', needs: [],
      input: 'SASL connection whose password was never entered',
      cause: ['needs the SASL password', 'etl'], nextStep: ['enter it'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka({ saslMechanism: 'scram-sha-256', saslUsername: 'etl' })),
    },
    {
      id: 'kafka-topic-name-space', area: 'kafka', needs: ['kafka'],
      input: 'produce to a topic name with a space ("orders v2")',
      cause: ['contains " "'], nextStep: ['may use only letters, digits'], timeoutMs: LOCAL_LIMIT_MS,
      run: async (attempt) => {
        const kafka = fx.kafka();
        const result = await attempt(() => kafka.produce([{ value: 'x' }], { topic: 'orders v2' }));
        assert.equal(await topicExists(kafka, 'orders v2'), false, 'a topic with a space was created');
        return { ...result, untouched: 'no topic created' };
      },
    },
    {
      id: 'kafka-topic-missing', area: 'kafka', needs: ['kafka'],
      input: 'produce to a topic that does not exist (the broker auto-creates topics)',
      cause: ['does not exist'], nextStep: ['create the topic first', 'Check the name'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const kafka = fx.kafka();
        const missing = `wb-bad-missing-${fx.run}`;
        const result = await attempt(() => kafka.produce([{ value: 'x' }], { topic: missing }));
        assert.equal(await topicExists(kafka, missing), false, 'producing created the topic');
        return { ...result, untouched: 'topic not auto-created' };
      },
    },
    {
      id: 'kafka-partition-out-of-range', area: 'kafka', needs: ['kafka'],
      input: 'produce to partition 7 of a 3-partition topic',
      cause: ['partition 7 does not exist'], nextStep: ['has partitions 0–2'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const kafka = fx.kafka();
        const before = await endOffsets(kafka, fx.topic);
        const result = await attempt(() => kafka.produce([{ value: 'a', partition: 0 }, { value: 'b', partition: 7 }], { topic: fx.topic }));
        assert.deepEqual(await endOffsets(kafka, fx.topic), before, 'a message was written');
        return { ...result, untouched: 'end offsets unchanged (nor the valid message of the batch)' };
      },
    },
    {
      id: 'kafka-browse-partition-out-of-range', area: 'kafka', needs: ['kafka'],
      input: 'open partition 9 of a 3-partition topic in the inspector',
      cause: ['partition 9 does not exist'], nextStep: ['has partitions 0–2'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka().browse({
        topic: fx.topic, partitions: [9], start: { kind: 'beginning' }, maxMessages: 10, follow: false, signal: new AbortController().signal, onRecords: () => undefined,
      })),
    },
    {
      id: 'kafka-browse-offset-text', area: 'kafka', needs: ['kafka'],
      input: 'start offset "abc" in the inspector',
      cause: ['"abc" is not an offset'], nextStep: ['give a whole number'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.kafka().browse({
        topic: fx.topic, start: { kind: 'offset', offset: 'abc' }, maxMessages: 10, follow: false, signal: new AbortController().signal, onRecords: () => undefined,
      })),
    },
    {
      id: 'kafka-message-2mb', area: 'kafka', needs: ['kafka'],
      input: 'a 2 MB message to a topic whose limit is 1 MB (max.message.bytes)',
      cause: ['2,097,', 'accepts at most 1,048,576 bytes'], nextStep: ['Make it smaller or raise the topic\'s limit'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const kafka = fx.kafka();
        const before = await endOffsets(kafka, fx.topic);
        const result = await attempt(async () => produceFailure(await kafka.produce([{ key: 'big', value: randomBytes(2 * 1024 * 1024) }], { topic: fx.topic })));
        assert.deepEqual(await endOffsets(kafka, fx.topic), before, 'the message was written');
        return { ...result, untouched: 'end offsets unchanged' };
      },
    },
    {
      id: 'kafka-create-replication', area: 'kafka', needs: ['kafka'],
      input: 'create a topic with replication factor 3 on a one-broker cluster',
      cause: ['replication factor'], nextStep: ['must not exceed the number of brokers'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const kafka = fx.kafka();
        const name = `wb-bad-rf-${fx.run}`;
        const result = await attempt(() => kafka.createTopic({ name, partitions: 1, replicationFactor: 3 }));
        assert.equal(await topicExists(kafka, name), false, 'the topic was created');
        return { ...result, untouched: 'no topic created' };
      },
    },
    {
      id: 'kafka-create-bad-config', area: 'kafka', needs: ['kafka'],
      input: 'create a topic with max.message.bytes = "lots"',
      cause: ['refused a config value', 'wb-bad-config-', 'max.message.bytes=lots'], nextStep: ['Check the config names and values'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const kafka = fx.kafka();
        const name = `wb-bad-config-${fx.run}`;
        const result = await attempt(() => kafka.createTopic({ name, partitions: 1, replicationFactor: 1, configs: { 'max.message.bytes': 'lots' } }));
        assert.equal(await topicExists(kafka, name), false, 'the topic was created');
        return { ...result, untouched: 'no topic created' };
      },
    },
    {
      id: 'kafka-create-existing', area: 'kafka', needs: ['kafka'],
      input: 'create a topic whose name is taken',
      cause: ['exists already'], nextStep: ['Choose another name'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const kafka = fx.kafka();
        const before = await kafka.describeTopic(fx.topic);
        const result = await attempt(() => kafka.createTopic({ name: fx.topic, partitions: 1, replicationFactor: 1 }));
        assert.equal((await kafka.describeTopic(fx.topic)).partitions, before.partitions, 'the existing topic changed');
        return { ...result, untouched: 'existing topic unchanged' };
      },
    },
  ];

  const templateRows: BadInputCase[] = [
    {
      id: 'template-cut-off', area: 'templates', needs: [],
      input: 'a *.kafka.json template cut off in the middle',
      cause: ['JSON syntax error', '1:'], nextStep: ['a closing brace } was expected'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attempt(() => loadTemplates('{"topic": "orders", "value": {"id": "{{uuid}}"', { fileName: 'orders.kafka.json' })),
    },
    {
      id: 'template-topic-space', area: 'templates', needs: [],
      input: 'a template whose topic has a space',
      cause: ['"my orders"', 'contains " "'], nextStep: ['may use only letters, digits'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attempt(() => loadTemplates('{"topic": "my orders", "value": {"id": 1}}', { fileName: 'orders.kafka.json' })),
    },
    {
      id: 'template-faker-method', area: 'templates', needs: [],
      input: 'a placeholder calling a faker method that does not exist',
      cause: ['faker.person has no method "nope"'], nextStep: ['Its methods: ', 'Did you mean'], timeoutMs: FAKER_LIMIT_MS,
      run: (attempt) => attempt(() => loadTemplates('{"topic": "orders", "value": {"n": "{{faker.person.nope}}"}}', { fileName: 'orders.kafka.json' })),
    },
    {
      id: 'template-placeholder-open', area: 'templates', needs: [],
      input: 'a placeholder opened with {{ and never closed',
      cause: ['not closed'], nextStep: ['closed with "}}"'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attempt(() => loadTemplates('{"topic": "orders", "value": "{{faker.person.fullName"}', { fileName: 'orders.kafka.json' })),
    },
    {
      id: 'template-count-negative', area: 'templates', needs: [],
      input: 'a template with count -5',
      cause: ['"count"'], nextStep: ['must be a whole number from 1'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attempt(() => loadTemplates('{"topic": "orders", "value": {"n": 1}, "count": -5}', { fileName: 'orders.kafka.json' })),
    },
  ];

  const airflowRows: BadInputCase[] = [
    {
      id: 'airflow-html', area: 'airflow', needs: [],
      input: 'an Airflow URL that answers an HTML sign-in page',
      cause: ['does not look like an Airflow server', 'HTML page titled "Corporate Sign-in"'], nextStep: ['Check the URL'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(`http://127.0.0.1:${fx.ports.html}`, short).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow-closed-port', area: 'airflow', needs: [],
      input: 'an Airflow URL where nothing listens',
      cause: ['refused the connection'], nextStep: ['Start the local stack', 'check the address'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(`http://127.0.0.1:${fx.ports.closed}`, short).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow-silent-port', area: 'airflow', needs: [],
      input: 'an Airflow URL that accepts the connection and never answers',
      cause: ['did not answer', 'within 2 s'], nextStep: ['raise kafkaAirflow.requestTimeoutSeconds'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(`http://127.0.0.1:${fx.ports.silent}`, short).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow-url-path', area: 'airflow', needs: ['airflow3'],
      input: 'an Airflow URL with a path the server does not serve (/airflow)',
      cause: ['does not look like an Airflow server'], nextStep: ['Check the URL'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(`${AIRFLOW3}/airflow`).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow3-wrong-password', area: 'airflow', needs: ['airflow3'],
      input: 'a wrong password for Airflow 3',
      cause: ['refused the credentials for user admin'], nextStep: ['Re-enter Password'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(AIRFLOW3, { password: 'not-the-password' }).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow2-wrong-password', area: 'airflow', needs: ['airflow2'],
      input: 'a wrong password for Airflow 2',
      cause: ['refused the credentials for user admin'], nextStep: ['Re-enter Password'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(AIRFLOW2, { password: 'not-the-password' }).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow3-expired-token', area: 'airflow', needs: ['airflow3'],
      input: 'a pasted Airflow 3 token that expired 30 minutes ago',
      cause: ['refused the pasted token', 'Token Expired'], nextStep: ['Re-enter Token'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(AIRFLOW3, { auth: 'token', token: expiredAirflow3Token() }).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow3-no-token', area: 'airflow', needs: ['airflow3'],
      input: 'token auth with no token stored',
      cause: ['No token is stored'], nextStep: ['Re-enter Token', 'Enter it again'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(AIRFLOW3, { auth: 'token' }).listDags({ limit: 10, offset: 0 })),
    },
    {
      id: 'airflow3-dag-missing', area: 'airflow', needs: ['airflow3'],
      input: 'trigger a DAG id that does not exist (Airflow 3)',
      cause: ['DAG "no_such_dag_', 'no longer exists'], nextStep: ['refresh the DAGs view'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(AIRFLOW3).trigger(`no_such_dag_${fx.run.replaceAll('-', '_')}`)),
    },
    {
      id: 'airflow2-dag-missing', area: 'airflow', needs: ['airflow2'],
      input: 'trigger a DAG id that does not exist (Airflow 2)',
      cause: ['DAG "no_such_dag_', 'no longer exists'], nextStep: ['refresh the DAGs view'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.airflow(AIRFLOW2).trigger(`no_such_dag_${fx.run.replaceAll('-', '_')}`)),
    },
    {
      id: 'airflow3-conf-list', area: 'airflow', needs: ['airflow3'],
      input: 'trigger with a run conf that is a list, not an object',
      cause: ['conf', 'must be a JSON object'], nextStep: ['for example {"rows": 10}'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const client = fx.airflow(AIRFLOW3);
        const runs = async (): Promise<number> => (await client.listRuns(HELLO, { limit: 1, offset: 0 })).totalEntries;
        const before = await runs();
        const result = await attempt(() => client.trigger(HELLO, { conf: [1, 2] as unknown as Record<string, unknown> }));
        assert.equal(await runs(), before, 'a run was created');
        return { ...result, untouched: 'no run created' };
      },
    },
    {
      id: 'airflow3-dataset-uri-space', area: 'airflow', needs: ['airflow3'],
      input: 'fire a dataset event on a URI with a space (Airflow 3)',
      cause: ['No dataset with URI workbench://test/data set'], nextStep: ['check it for a typo'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const client = fx.airflow(AIRFLOW3);
        const before = await datasetEventCount(client);
        const result = await attempt(() => client.createDatasetEvent('workbench://test/data set', { rows: 1 }));
        assert.equal(await datasetEventCount(client), before, 'an event was created on the real dataset');
        assert.equal(await client.findDatasetByUri('workbench://test/data set'), undefined, 'a dataset with the bad URI was created');
        return { ...result, untouched: 'no event, no dataset created' };
      },
    },
    {
      id: 'airflow2-dataset-uri-space', area: 'airflow', needs: ['airflow2'],
      input: 'fire a dataset event on a URI with a space (Airflow 2)',
      cause: ['No dataset with URI workbench://test/data set'], nextStep: ['check it for a typo'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const client = fx.airflow(AIRFLOW2);
        const before = await datasetEventCount(client);
        const result = await attempt(() => client.createDatasetEvent('workbench://test/data set', { rows: 1 }));
        assert.equal(await datasetEventCount(client), before, 'an event was created on the real dataset');
        return { ...result, untouched: 'no event created' };
      },
    },
    {
      id: 'airflow3-extra-list', area: 'airflow', needs: ['airflow3'],
      input: 'a dataset event whose extra is a JSON list',
      cause: ['extra must be a JSON object', 'not a list'], nextStep: ['for example {"rows": 10}'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const client = fx.airflow(AIRFLOW3);
        const before = await datasetEventCount(client);
        const result = await attempt(() => client.createDatasetEvent(TEST_URI, '[1, 2]'));
        assert.equal(await datasetEventCount(client), before, 'an event was created');
        return { ...result, untouched: 'no event created' };
      },
    },
    {
      id: 'airflow3-extra-bad-json', area: 'airflow', needs: ['airflow3'],
      input: 'a dataset event whose extra is not JSON ({rows: 1})',
      cause: ['extra is not valid JSON'], nextStep: ['Write a JSON object'], timeoutMs: STACK_LIMIT_MS,
      run: async (attempt) => {
        const client = fx.airflow(AIRFLOW3);
        const before = await datasetEventCount(client);
        const result = await attempt(() => client.createDatasetEvent(TEST_URI, '{rows: 1}'));
        assert.equal(await datasetEventCount(client), before, 'an event was created');
        return { ...result, untouched: 'no event created' };
      },
    },
  ];

  const historyRows: BadInputCase[] = [
    {
      id: 'history-refused', area: 'history', needs: ['postgres'],
      input: 'a history database that refuses connections',
      cause: ['PostgreSQL at', 'refused the connection'], nextStep: ['Start the local stack', 'Set History Database'], timeoutMs: SHORT_LIMIT_MS,
      run: async (attempt) => {
        const good = fx.history();
        const before = await historyRowCount(good);
        const result = await attempt(() => fx.history({ ...short, port: fx.ports.closed }).summary());
        assert.equal(await historyRowCount(good), before, 'history rows changed');
        return { ...result, untouched: 'history rows unchanged' };
      },
    },
    {
      id: 'history-silent', area: 'history', needs: [],
      input: 'a history address that accepts the connection and never answers',
      cause: ['did not answer within 2 s'], nextStep: ['raise kafkaAirflow.requestTimeoutSeconds'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => attempt(() => fx.history({ ...short, port: fx.ports.silent }).summary()),
    },
    {
      id: 'history-wrong-password', area: 'history', needs: ['postgres'],
      input: 'a wrong password for the history database',
      cause: ['refused the password for user workbench'], nextStep: ['Re-enter Password', 're-enter it'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.history({ password: 'not-the-password' }).summary()),
    },
    {
      id: 'history-unknown-database', area: 'history', needs: ['postgres'],
      input: 'a history database name that does not exist',
      cause: ['Database no_such_db_', 'does not exist'], nextStep: ['Create it', 'Set History Database'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.history({ database: `no_such_db_${fx.run.replaceAll('-', '_')}` }).summary()),
    },
    {
      id: 'history-tls-to-plain', area: 'history', needs: ['postgres'],
      input: 'TLS switched on for a server without TLS',
      cause: ['does not accept TLS'], nextStep: ['Turn off "ssl"'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => attempt(() => fx.history({ ssl: true }).summary()),
    },
  ];

  const traceRows: BadInputCase[] = [
    {
      id: 'trace-bad-coordinates', area: 'trace', needs: [],
      input: 'trace a message at partition -1, offset "x"',
      cause: ['got', '[-1] @ x'], nextStep: ['Give a topic, a partition (0 or more) and an offset'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => {
        const store = fx.traceHistory({ ...short, port: fx.ports.closed });
        const trace = new TraceService(fx.airflow(`http://127.0.0.1:${fx.ports.closed}`, short), store, store, fx.logger);
        return attempt(() => trace.traceMessage({ topic: 'orders', partition: -1, offset: 'x' }));
      },
    },
    {
      id: 'trace-history-refused', area: 'trace', needs: ['airflow3'],
      input: 'trace a message while the history database refuses connections',
      cause: ['PostgreSQL at', 'refused the connection'], nextStep: ['Start the local stack', 'Set History Database'], timeoutMs: SHORT_LIMIT_MS,
      run: (attempt) => {
        const store = fx.traceHistory({ ...short, port: fx.ports.closed });
        const trace = new TraceService(fx.airflow(AIRFLOW3), store, store, fx.logger);
        return attempt(() => trace.traceMessage({ topic: fx.topic, partition: 0, offset: '0' }));
      },
    },
    {
      id: 'trace-run-missing', area: 'trace', needs: ['airflow3', 'postgres'],
      input: 'trace a batch-consumer run id that does not exist',
      cause: ['found nothing', 'no_such_run_'], nextStep: ['Check the id', 'refresh the view'], timeoutMs: STACK_LIMIT_MS,
      run: (attempt) => {
        const store = fx.traceHistory();
        const trace = new TraceService(fx.airflow(AIRFLOW3), store, store, fx.logger);
        return attempt(() => trace.traceBatch(`no_such_run_${fx.run}`));
      },
    },
    {
      id: 'batch-consumer-no-topic', area: 'trace', needs: [],
      input: 'start the batch consumer with only blank topics',
      cause: ['at least one topic'], nextStep: ['Pick at least one topic'], timeoutMs: LOCAL_LIMIT_MS,
      run: (attempt) => attempt(() => checkConf({ topics: [' '] })),
    },
  ];

  const stackRows: BadInputCase[] = [
    {
      id: 'stack-port-taken', area: 'stack', needs: ['postgres', 'kafka', 'airflow3', 'airflow2'],
      input: 'Launch Stack while another program holds the PostgreSQL port (isolated state folder)',
      cause: ['Could not start the native stack', 'is already in use by another program'], nextStep: ['Stop it or choose another port'], timeoutMs: 60_000,
      run: async (attempt) => {
        const root = fx.scratch('stack');
        // PostgreSQL runs as its own system user when the stack runs as root: it must reach the folder.
        for (const dir of [path.dirname(root), root]) chmodSync(dir, 0o755);
        const port = await fx.takePort();
        const env = { KAW_STATE: path.join(root, 'state'), KAW_PG_ROOT: path.join(root, 'pg'), KAW_PG_PORT: String(port) };
        fx.onTeardown(async () => {
          if (existsSync(path.join(env.KAW_STATE, 'pids', 'postgres.pid'))) await stackScript(['down', 'postgres'], env, 90_000);
        });
        const launcher = new StackLauncher({ stackDir: path.join(REPO, 'stack') }, fx.logger);
        const result = await withEnvironment(env, () => attempt(() => launcher.up('native', () => undefined)));
        assert.ok(result.seen.message.includes(`port ${port}`), `the sentence does not name port ${port}: ${result.seen.message}`);
        // Nothing half-started: no pid file, no data folder; the next refused start says the same.
        assert.deepEqual(filesUnder(path.join(env.KAW_STATE, 'pids')), [], 'a pid file was left behind');
        assert.equal(existsSync(env.KAW_PG_ROOT), false, 'a PostgreSQL folder was created');
        const again = await stackScript(['up', 'postgres'], env, 60_000);
        assert.notEqual(again.code, 0);
        assert.match(again.output, new RegExp(`port ${port} .*is already in use by another program`));
        // Once the port is free (and with a half-made data folder from an interrupted first start), the next start works.
        await fx.releasePort(port);
        mkdirSync(path.join(env.KAW_PG_ROOT, 'pgdata.tmp'), { recursive: true });
        writeFileSync(path.join(env.KAW_PG_ROOT, 'pgdata.tmp', 'PG_VERSION'), '15\n');
        const started = await stackScript(['up', 'postgres'], env, 120_000);
        assert.equal(started.code, 0, `the next start failed:\n${started.output.slice(-2000)}`);
        const client = new pg.Client({ host: '127.0.0.1', port, user: localStack.history.user, password: localStack.historyPassword, database: localStack.history.database, connectionTimeoutMillis: 10_000 });
        try {
          await client.connect();
          assert.equal((await client.query<{ one: number }>('select 1 as one')).rows[0]?.one, 1);
        } finally {
          await client.end().catch(() => undefined);
        }
        assert.equal(existsSync(path.join(env.KAW_PG_ROOT, 'pgdata.tmp')), false, 'the half-made data folder was left behind');
        const stopped = await stackScript(['down', 'postgres'], env, 90_000);
        assert.equal(stopped.code, 0, stopped.output.slice(-1000));
        return { ...result, untouched: 'no pid file or data left; next start (with a half-made pgdata.tmp) works' };
      },
    },
    {
      id: 'stack-half-written-cache', area: 'stack', needs: ['kafka'],
      input: 'a Kafka jar folder half-written by an interrupted download (no .complete marker, truncated jar)',
      cause: ['downloading Kafka'], nextStep: ['jars ready'], timeoutMs: 180_000,
      run: async (attempt) => {
        const shared = readdirSync(stackCache()).find((d) => /^kafka-\d.*-scala/.test(d));
        assert.ok(shared, `no Kafka jars in ${stackCache()}: run "bash stack/native/stack.sh up kafka"`);
        const sharedLibs = path.join(stackCache(), shared, 'libs');
        const brokerJar = readdirSync(sharedLibs).find((f) => /^kafka_2\.\d+-[\d.]+\.jar$/.test(f));
        assert.ok(brokerJar, `no broker jar in ${sharedLibs}`);
        const cache = fx.scratch('cache');
        const half = path.join(cache, shared, 'libs');
        mkdirSync(half, { recursive: true });
        writeFileSync(path.join(half, brokerJar), readFileSync(path.join(sharedLibs, brokerJar)).subarray(0, 100_000));
        const result = await recovers(attempt, async () => {
          const run = await stackScript(['install', 'kafka'], { KAW_CACHE: cache }, 170_000);
          assert.equal(run.code, 0, `the install did not recover:\n${run.output.slice(-2000)}`);
          return run.output.split('\n').filter((line) => /downloading|ready/.test(line)).map((line) => line.replace(/^\[stack [\d:]+\] /, '')).join(' / ');
        });
        assert.ok(existsSync(path.join(cache, shared, '.complete')), 'no .complete marker after the install');
        assert.equal(statSync(path.join(half, brokerJar)).size, statSync(path.join(sharedLibs, brokerJar)).size, 'the truncated jar is still there');
        assert.deepEqual(readdirSync(half).sort(), readdirSync(sharedLibs).sort(), 'the jar folder differs from a complete install');
        // The message names this run's folder; the README shows it without the temp path.
        const seen = { ...result.seen, message: result.seen.message.replaceAll(cache, '{cache}') };
        return { ...result, seen, untouched: 'half-written folder replaced by a complete one' };
      },
    },
  ];

  return [...settingsRows, ...kafkaRows, ...templateRows, ...airflowRows, ...historyRows, ...traceRows, ...stackRows];
}

/** Makes a scratch root for the run (removed by the caller). */
export function makeScratchRoot(run: string): string {
  return mkdtempSync(path.join(tmpdir(), `wb-bad-input-${run}-`));
}

export function removeScratchRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}
