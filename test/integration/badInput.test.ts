/**
 * The bad-input matrix: every row of badInputCases.ts (settings, Kafka, templates, Airflow,
 * the history database, the trace and the stack) is given to the core services the way the
 * editor gives it, against the real native stack or a throw-away local listener, and each
 * must show an error that names the cause and the next step, end within its timeout, leave
 * no unhandled rejection or uncaught exception behind, and write nothing where it should
 * not. The matrix with each row's result goes to build/test-results/bad-input.json;
 * `node scripts/reliability-table.mjs` puts it into the README's Reliability section.
 *
 * A row whose stack service does not answer is skipped with the command that starts it, and
 * fails under CI (the test command starts the stack there). A row marked `todo` is a known
 * failure whose fix belongs to another part of the code; it reports without failing the run.
 *
 *   bash stack/native/stack.sh up
 *   node --import tsx --test --test-concurrency=1 test/integration/badInput.test.ts
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AirflowClient } from '../../src/airflow/airflowClient';
import { MessageHistoryStore } from '../../src/history/messageHistoryStore';
import { KafkaService } from '../../src/kafka/kafkaService';
import { describeError } from '../../src/shared/errors';
import { probeTcp } from '../../src/stack/health';
import { localStack } from '../../src/stack/localStack';
import { TraceHistoryStore } from '../../src/trace/traceHistoryStore';
import { removeTestTopics } from '../support/testTopics';
import { AIRFLOW2, AIRFLOW3, badInputCases, makeScratchRoot, removeScratchRoot, STACK_TIMEOUT_MS, type Fixtures } from './badInputCases';
import {
  attemptWithin, causeAndNextStepProblem, FaultCollector, LocalListeners, recordingLogger, writeMatrix,
  type MatrixRow, type StackService,
} from './badInputHarness';

const RUN = `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
const TOPIC = `wb-bad-input-${RUN}`;
const START_COMMAND: Record<StackService, string> = {
  kafka: 'bash stack/native/stack.sh up kafka',
  postgres: 'bash stack/native/stack.sh up postgres',
  airflow3: 'bash stack/native/stack.sh up airflow3',
  airflow2: 'bash stack/native/stack.sh up airflow2',
};

const logger = recordingLogger();
const listeners = new LocalListeners();
const collector = new FaultCollector();
const kafkaServices: KafkaService[] = [];
const stores: MessageHistoryStore[] = [];
const teardown: (() => Promise<void> | void)[] = [];
const available: Record<StackService, boolean> = { kafka: false, postgres: false, airflow3: false, airflow2: false };
const rows: MatrixRow[] = [];
let scratchRoot: string | undefined;

const kafkaBase = { ...localStack.kafka, brokers: [...localStack.kafka.brokers], clientId: 'workbench-bad-input', requestTimeoutMs: STACK_TIMEOUT_MS };
const historyBase = { ...localStack.history, password: localStack.historyPassword, requestTimeoutMs: STACK_TIMEOUT_MS };

const fx: Fixtures = {
  run: RUN,
  topic: TOPIC,
  ports: { silent: 0, closed: 0, html: 0 },
  logger,
  kafka: (overrides = {}) => {
    const service = new KafkaService({ ...kafkaBase, ...overrides }, logger);
    kafkaServices.push(service);
    return service;
  },
  airflow: (url, overrides = {}) =>
    new AirflowClient({ name: 'Local stack', url, auth: 'password', username: 'admin', password: localStack.airflowPassword, requestTimeoutMs: STACK_TIMEOUT_MS, ...overrides }, logger),
  history: (overrides = {}) => {
    const store = new MessageHistoryStore({ ...historyBase, ...overrides }, logger);
    stores.push(store);
    return store;
  },
  traceHistory: (overrides = {}) => {
    const store = new TraceHistoryStore({ ...historyBase, ...overrides }, logger);
    stores.push(store);
    return store;
  },
  takePort: () => listeners.takenPort(),
  releasePort: (port) => listeners.release(port),
  scratch: (name) => {
    scratchRoot ??= makeScratchRoot(RUN);
    const dir = path.join(scratchRoot, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  },
  onTeardown: (step) => { teardown.push(step); },
};

const table = badInputCases(fx);

/**
 * A sentence as the matrix keeps it: what changes from run to run (this run's id, the
 * throw-away listeners' ports, process ids, spacing of `ss` output) is replaced, so the
 * README's table changes only when a sentence does.
 */
function stable(text: string): string {
  return text
    .replaceAll(RUN, '{run}')
    .replaceAll(RUN.replaceAll('-', '_'), '{run}')
    .replace(/\b(?:3[2-9]\d{3}|[45]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])\b/g, '{port}')
    .replace(/\b(pid|fd)=\d+/g, '$1={$1}')
    .replace(/[ \t]+/g, ' ');
}

describe('bad input: each shows the cause and the next step, within its timeout, with nothing written', () => {
  before(async () => {
    collector.start();
    const probes = await Promise.all([
      probeTcp('127.0.0.1', 9092, 3000),
      probeTcp(localStack.history.host, localStack.history.port, 3000),
      probeTcp('127.0.0.1', Number(new URL(AIRFLOW3).port), 3000),
      probeTcp('127.0.0.1', Number(new URL(AIRFLOW2).port), 3000),
    ]);
    [available.kafka, available.postgres, available.airflow3, available.airflow2] = probes.map((p) => p.reachable) as [boolean, boolean, boolean, boolean];
    fx.ports.silent = await listeners.silentPort();
    fx.ports.closed = await listeners.closedPort();
    fx.ports.html = await listeners.htmlPort();
    if (available.kafka) {
      await fx.kafka().createTopic({ name: TOPIC, partitions: 3, replicationFactor: 1, configs: { 'max.message.bytes': '1048576' } });
    }
  });

  after(async () => {
    try {
      for (const step of teardown) {
        await Promise.resolve(step()).catch((error: unknown) => { console.warn(`# clean-up step failed: ${describeError(error)}`); });
      }
      if (available.kafka) await removeTestTopics(fx.kafka(), [TOPIC]);
      await Promise.all(kafkaServices.map((service) => service.dispose()));
      await Promise.all(stores.map((store) => store.dispose().catch((error: unknown) => { console.warn(`# closing a history store: ${describeError(error)}`); })));
      await listeners.close();
      if (scratchRoot) removeScratchRoot(scratchRoot);
    } finally {
      collector.stop();
      writeMatrix(rows);
      const counts = rows.reduce<Record<string, number>>((sum, row) => ({ ...sum, [row.result]: (sum[row.result] ?? 0) + 1 }), {});
      console.log(`bad-input matrix: ${rows.length} rows, ${JSON.stringify(counts)} → build/test-results/bad-input.json`);
    }
  });

  it('has at least 30 rows, each with a unique id, cause words and next-step words', () => {
    assert.ok(table.length >= 30, `only ${table.length} rows`);
    assert.equal(new Set(table.map((row) => row.id)).size, table.length, 'two rows share an id');
    for (const row of table) assert.ok(row.cause.length > 0 && row.nextStep.length > 0, `${row.id} names no cause or next-step words`);
  });

  for (const row of table) {
    it(`${row.id}: ${row.input}`, row.todo === undefined ? {} : { todo: row.todo }, async (t) => {
      const record: MatrixRow = {
        id: row.id, area: row.area, input: row.input, cause: row.cause, nextStep: row.nextStep, timeoutMs: row.timeoutMs,
        result: 'fail', elapsedMs: null, message: null, actions: [], untouched: '', problem: null,
      };
      rows.push(record);
      const missing = row.needs.filter((service) => !available[service]);
      if (missing.length > 0) {
        const reason = `${missing.join(', ')} does not answer: run "${missing.map((s) => START_COMMAND[s]).join(' && ')}"`;
        if (process.env['CI']) {
          record.problem = reason;
          assert.fail(`${reason}. The test command starts the stack under CI, so this is a fault, not a reason to skip.`);
        }
        record.result = 'skipped';
        record.problem = reason;
        t.skip(reason);
        return;
      }
      const faultsBefore = collector.faults.length;
      const logBefore = logger.lines.length;
      const problems: string[] = [];
      try {
        const outcome = await row.run(attemptWithin(row.timeoutMs));
        record.elapsedMs = outcome.elapsedMs;
        record.message = stable(outcome.seen.message);
        record.actions = outcome.seen.actions;
        record.untouched = outcome.untouched ?? '';
        console.log(`${row.id} (${outcome.elapsedMs} ms): ${outcome.seen.message}${outcome.seen.actions.length > 0 ? ` [${outcome.seen.actions.join('] [')}]` : ''}`);
        if (outcome.elapsedMs > row.timeoutMs) problems.push(`took ${outcome.elapsedMs} ms, more than its ${row.timeoutMs} ms`);
        const wording = causeAndNextStepProblem(outcome.seen, row.cause, row.nextStep);
        if (wording) problems.push(wording);
      } catch (error) {
        problems.push(describeError(error));
      }
      const faults = await collector.since(faultsBefore);
      if (faults.length > 0) problems.push(`left ${faults.join('; ')}`);
      if (problems.length === 0) {
        record.result = 'pass';
        if (row.todo !== undefined) console.log(`${row.id} passes now: drop its todo`);
        return;
      }
      record.result = row.todo === undefined ? 'fail' : 'todo';
      const problem = problems.join('; ');
      record.problem = stable(problem);
      const log = logger.lines.slice(logBefore).slice(-8).join('\n    ');
      assert.fail(`${problem}\n  the user saw: ${record.message ?? '(nothing)'}${log ? `\n  the log said:\n    ${log}` : ''}`);
    });
  }
});
