/**
 * Shared pieces of the Kafka benchmarks: flags, medians, timed child processes, the Kafka
 * tools' class path, and a KafkaService on the native stack's broker.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import path from 'node:path';
import { KafkaService } from '../../src/kafka/kafkaService';
import { silentLogger } from '../../src/shared/logger';

export const BROKER = '127.0.0.1:9092';

export function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.split('=')[1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export interface TimedRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command, its stdout kept (or dropped when `discardStdout`), and times it from spawn to exit. */
export function timed(command: string, args: string[], discardStdout = false): Promise<TimedRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', discardStdout ? 'ignore' : 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => { resolve({ ms: performance.now() - started, code, stdout, stderr }); });
  });
}

/** The class path of Kafka's own tools (kafka-tools from Maven Central, installed by the native stack). */
export function kafkaToolsClassPath(): string {
  const cache = path.join(homedir(), '.cache', 'kafka-airflow-workbench');
  const dirs = existsSync(cache) ? readdirSync(cache).filter((d) => /^kafka-\d/.test(d)).map((d) => path.join(cache, d, 'libs')) : [];
  const libs = dirs.find((d) => existsSync(d) && readdirSync(d).some((f) => f.startsWith('kafka-tools-')));
  if (!libs) throw new Error(`No kafka-tools jar under ${cache}/kafka-*/libs. Install the native stack: bash stack/native/stack.sh up kafka`);
  return `${libs}/*`;
}

export function localService(): KafkaService {
  return new KafkaService({ name: 'bench', brokers: [BROKER], ssl: false, saslMechanism: 'none', clientId: 'workbench-bench', requestTimeoutMs: 30_000 }, silentLogger);
}

export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}`;
}

export function mib(bytes: number): string {
  return `${fmt(bytes / 1024 / 1024, 1)} MiB`;
}

/** The machine's 1-minute load average against its cores: figures from a busy machine are lower. */
export function loadNote(): string {
  return `load average ${fmt(loadavg()[0] ?? 0, 1)} on ${cpus().length} cores`;
}
