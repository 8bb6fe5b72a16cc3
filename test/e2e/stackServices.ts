/**
 * The native stack's services as the end-to-end specs reach them: whether one answers, a
 * KafkaService on its broker, and what a spec does when a service it needs is down. On a
 * developer's machine the spec is skipped with the command that starts the service; under CI
 * the test command has started the stack itself, so a service that does not answer is a fault
 * and the spec fails with the same sentence.
 */
import * as net from 'node:net';
import { test } from '@playwright/test';
import { KafkaService } from '../../src/kafka/kafkaService';
import { silentLogger } from '../../src/shared/logger';
import { localStack } from '../../src/stack/localStack';

export const BROKER = { host: '127.0.0.1', port: 9092 } as const;
export const POSTGRES = { host: localStack.history.host, port: localStack.history.port } as const;
export const AIRFLOW3 = localStack.airflow.url;
export const AIRFLOW2 = 'http://127.0.0.1:8081';

/** Whether something accepts TCP connections at host:port within 3 s. */
export function portAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    socket.setTimeout(3000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => { resolve(false); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

/** Whether `url` answers with a 2xx status within 5 s (a refused or silent server is "no"). */
export async function httpAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  return response?.ok ?? false;
}

/** A KafkaService on the native broker, for what a spec prepares or tidies up outside the editor. */
export function stackKafka(): KafkaService {
  return new KafkaService({ name: 'e2e', brokers: [`${BROKER.host}:${BROKER.port}`], ssl: false, saslMechanism: 'none', requestTimeoutMs: 15_000 }, silentLogger);
}

/**
 * Call from beforeAll or a test: skips (fails under CI) when `answers` is false, saying that
 * `what` does not answer and which stack.sh command starts it.
 */
export function requireService(answers: boolean, what: string, startArgs = ''): void {
  if (answers) return;
  const message = `${what} does not answer: run "bash stack/native/stack.sh up${startArgs ? ` ${startArgs}` : ''}"`;
  if (process.env['CI']) throw new Error(`${message}. The test command starts the stack under CI, so this is a fault, not a reason to skip.`);
  test.skip(true, message);
}
