/**
 * Starts, stops and inspects the bundled stack: the Compose stack when a Docker engine
 * answers, otherwise the native stack (stack/native/stack.sh) when Java, Python 3 and a
 * PostgreSQL server are installed; otherwise it says exactly what is missing. Processes are
 * spawned with argument arrays, never with shell strings built from settings.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';

export type StackKind = 'compose' | 'native';

/** Where the stack's files are: the extension's own `stack` folder. */
export interface StackPaths {
  stackDir: string;
  /**
   * Where the Compose stack's settings (.env with generated secrets) are kept; default
   * stack/compose/.env. The extension passes a file in its own storage folder.
   */
  composeEnvFile?: string;
}

/** Secrets the Compose stack refuses to start without; each gets a fresh random value. */
const GENERATED_SECRETS = ['AIRFLOW_JWT_SECRET', 'AIRFLOW_API_SECRET_KEY', 'AIRFLOW_FERNET_KEY', 'S3_SECRET_KEY'] as const;

/**
 * The Compose stack's .env made from .env.example: empty secrets get random values (the
 * Fernet key is 32 url-safe base64 bytes, as Airflow needs), and the PostgreSQL password is
 * the local stack's documented default, so "Connect to Local Stack" works for both stacks.
 */
export function composeEnvFromTemplate(template: string, historyPassword: string, random = (n: number) => randomBytes(n)): string {
  return template
    .split('\n')
    .map((line) => {
      const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (!match || match[2] !== '') return line;
      const key = match[1] ?? '';
      if (key === 'POSTGRES_PASSWORD') return `${key}=${historyPassword}`;
      if ((GENERATED_SECRETS as readonly string[]).includes(key)) return `${key}=${random(32).toString('base64url')}${key === 'AIRFLOW_FERNET_KEY' ? '=' : ''}`;
      return line;
    })
    .join('\n');
}

export interface CommandSpec {
  command: string;
  args: string[];
  cwd: string;
}

/** The Compose project name, so `down` finds what `up` started whatever the folder name. */
export const COMPOSE_PROJECT = 'kafka-airflow-workbench';

/**
 * The exact `docker compose` invocation for an action on the bundled Compose stack; `logs`
 * of one service when `service` is given.
 */
export function composeCommand(paths: StackPaths, action: 'up' | 'down' | 'ps' | 'logs', service?: string): CommandSpec {
  const dir = join(paths.stackDir, 'compose');
  const envFile = paths.composeEnvFile ?? join(dir, '.env');
  const base = ['compose', '--project-name', COMPOSE_PROJECT, '--file', join(dir, 'docker-compose.yml'), '--env-file', envFile];
  const tail: Record<typeof action, string[]> = {
    up: ['up', '--detach', '--wait', '--wait-timeout', '600'],
    down: ['down'],
    ps: ['ps', '--all', '--format', 'json'],
    logs: ['logs', '--follow', '--tail', '200'],
  };
  const only = action === 'logs' && service !== undefined ? [service] : [];
  return { command: 'docker', args: [...base, ...tail[action], ...only], cwd: dir };
}

/** The exact native-stack invocation for an action; `logs` of one service or component when `service` is given. */
export function nativeCommand(paths: StackPaths, action: 'up' | 'down' | 'status' | 'logs', service?: string): CommandSpec {
  const script = join(paths.stackDir, 'native', 'stack.sh');
  const args = action === 'logs' ? [script, 'logs', '-f', '-n', '200', ...(service === undefined ? [] : [service])] : [script, action];
  return { command: 'bash', args, cwd: join(paths.stackDir, 'native') };
}

/** Finds an executable on PATH (no shell involved). */
export async function findOnPath(name: string, pathValue = process.env['PATH'] ?? ''): Promise<string | undefined> {
  for (const dir of pathValue.split(delimiter).filter((d) => d !== '')) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory; look in the next one
    }
  }
  return undefined;
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

export interface RunResult {
  code: number | null;
  output: string;
}

/**
 * Runs a command to completion, passing each output line to `onLine`. Never rejects for a
 * non-zero exit: the caller decides; rejects only when the program cannot be started.
 */
export function runCommand(spec: CommandSpec, onLine: (line: string) => void, signal?: AbortSignal): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'], signal });
    const chunks: string[] = [];
    let pending = '';
    const take = (data: Buffer): void => {
      const text = pending + data.toString('utf8');
      const lines = text.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        chunks.push(line);
        onLine(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (error) => {
      if ((error as NodeJS.ErrnoException).code === 'ABORT_ERR') resolve({ code: null, output: chunks.join('\n') });
      else reject(error);
    });
    child.once('close', (code) => {
      if (pending !== '') {
        chunks.push(pending);
        onLine(pending);
      }
      resolve({ code, output: chunks.join('\n') });
    });
  });
}

export interface StackChoice {
  kind: StackKind | undefined;
  /** Why the other kind was not chosen, or, when kind is undefined, everything that is missing. */
  reasons: string[];
}

export class StackLauncher {
  constructor(
    private readonly paths: StackPaths,
    private readonly logger: Logger,
  ) {}

  /** Does a Docker engine answer (not only the client being installed)? */
  async dockerEngineAnswers(): Promise<boolean> {
    if (!(await findOnPath('docker'))) return false;
    const result = await runCommand({ command: 'docker', args: ['info', '--format', '{{.ServerVersion}}'], cwd: this.paths.stackDir }, () => undefined, AbortSignal.timeout(10_000));
    return result.code === 0;
  }

  /** What the native stack needs that this machine lacks, each with the fix. */
  async missingForNative(): Promise<string[]> {
    const missing: string[] = [];
    if (!(await findOnPath('java'))) missing.push('Java 17 or newer (apt-get install openjdk-17-jre-headless)');
    if (!(await findOnPath('mvn'))) missing.push('Maven, to fetch the Kafka jars (apt-get install maven)');
    if (!(await findOnPath('python3'))) missing.push('Python 3.9–3.13 (apt-get install python3 python3-venv)');
    const postgres = (await findOnPath('postgres')) ??
      (await firstExisting(['17', '16', '15', '14', '13'].map((v) => `/usr/lib/postgresql/${v}/bin/postgres`)));
    if (!postgres) missing.push('a PostgreSQL server (apt-get install postgresql)');
    return missing;
  }

  /** Compose when Docker answers, else native when its prerequisites are there, else nothing. */
  async choose(preferred?: StackKind): Promise<StackChoice> {
    const reasons: string[] = [];
    if (preferred !== 'native') {
      if (await this.dockerEngineAnswers()) return { kind: 'compose', reasons };
      reasons.push('No Docker engine answers (`docker info` failed or docker is not installed).');
    }
    const missing = await this.missingForNative();
    if (missing.length === 0) return { kind: 'native', reasons };
    return { kind: undefined, reasons: [...reasons, ...missing.map((m) => `Missing for the native stack: ${m}.`)] };
  }

  commandFor(kind: StackKind, action: 'up' | 'down' | 'logs', service?: string): CommandSpec {
    return kind === 'compose' ? composeCommand(this.paths, action, service) : nativeCommand(this.paths, action, service);
  }

  /** The stack's files, for probing the Compose stack with the same project and env file. */
  get stackPaths(): StackPaths {
    return this.paths;
  }

  /** Writes the Compose .env (with generated secrets) unless it exists; returns its path. */
  async ensureComposeEnv(historyPassword: string): Promise<string> {
    const target = this.paths.composeEnvFile ?? join(this.paths.stackDir, 'compose', '.env');
    try {
      await access(target, constants.R_OK);
      return target;
    } catch {
      // not there yet: create it below
    }
    const template = await readFile(join(this.paths.stackDir, 'compose', '.env.example'), 'utf8');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, composeEnvFromTemplate(template, historyPassword), { mode: 0o600 });
    this.logger.info(`Wrote the Compose stack settings with generated secrets to ${target}`);
    return target;
  }

  /** Starts the stack and waits until it reports healthy; throws with the last output lines on failure. */
  async up(kind: StackKind, onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    await this.run(kind, 'up', onLine, signal);
  }

  async down(kind: StackKind, onLine: (line: string) => void): Promise<void> {
    await this.run(kind, 'down', onLine);
  }

  private async run(kind: StackKind, action: 'up' | 'down', onLine: (line: string) => void, signal?: AbortSignal): Promise<void> {
    const spec = this.commandFor(kind, action);
    this.logger.info(`${spec.command} ${spec.args.join(' ')}`);
    const result = await runCommand(spec, onLine, signal);
    if (signal?.aborted) return;
    if (result.code !== 0) {
      // stack.sh says why it stopped in "ERROR: ..." lines; otherwise the last lines tell most.
      const lines = result.output.split('\n').filter((l) => l.trim() !== '');
      const errors = lines.filter((l) => /\bERROR: /.test(l)).map((l) => l.replace(/^.*?\bERROR: /, ''));
      const detail = errors.length > 0 ? errors.join(' ') : lines.slice(-5).join('\n');
      throw new WorkbenchError(
        `Could not ${action === 'up' ? 'start' : 'stop'} the ${kind} stack (exit code ${String(result.code)}). ${detail}`,
        { actions: ['showLog', 'retry'] },
      );
    }
  }
}
