import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { composeCommand, composeEnvFromTemplate, findOnPath, nativeCommand, runCommand, COMPOSE_PROJECT } from '../../src/stack/launcher';

const paths = { stackDir: '/ext/stack' };

describe('stack launcher commands', () => {
  it('runs docker compose on the bundled file with a fixed project name and waits for health', () => {
    assert.deepEqual(composeCommand(paths, 'up'), {
      command: 'docker',
      cwd: '/ext/stack/compose',
      args: [
        'compose', '--project-name', COMPOSE_PROJECT,
        '--file', '/ext/stack/compose/docker-compose.yml',
        '--env-file', '/ext/stack/compose/.env',
        'up', '--detach', '--wait', '--wait-timeout', '600',
      ],
    });
    assert.deepEqual(
      composeCommand({ ...paths, composeEnvFile: '/home/u/.storage/compose.env' }, 'down').args.slice(-3),
      ['--env-file', '/home/u/.storage/compose.env', 'down'],
    );
    assert.deepEqual(composeCommand(paths, 'ps').args.slice(-4), ['ps', '--all', '--format', 'json']);
  });

  it('runs the native stack script with bash and an argument array', () => {
    assert.deepEqual(nativeCommand(paths, 'up'), { command: 'bash', args: ['/ext/stack/native/stack.sh', 'up'], cwd: '/ext/stack/native' });
    assert.deepEqual(nativeCommand(paths, 'logs').args, ['/ext/stack/native/stack.sh', 'logs', '-f', '-n', '200']);
  });

  it('never lets a setting become shell syntax: arguments reach the program verbatim', async () => {
    const lines: string[] = [];
    const tricky = '$(touch /tmp/should-not-exist); `id` && echo pwned';
    const result = await runCommand({ command: 'printf', args: ['%s\\n', tricky], cwd: tmpdir() }, (l) => lines.push(l));
    assert.equal(result.code, 0);
    assert.deepEqual(lines, [tricky]);
  });

  it('finds executables on a given PATH only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kaw-path-'));
    const tool = join(dir, 'kaw-tool');
    await writeFile(tool, '#!/bin/sh\n');
    await chmod(tool, 0o755);
    assert.equal(await findOnPath('kaw-tool', dir), tool);
    assert.equal(await findOnPath('kaw-tool', '/nonexistent'), undefined);
  });
});

describe('Compose settings file', () => {
  it('fills every empty secret with a fresh random value and keeps set values', () => {
    const template = readFileSync(join(import.meta.dirname, '..', '..', 'stack', 'compose', '.env.example'), 'utf8');
    const first = composeEnvFromTemplate(template, 'workbench');
    const second = composeEnvFromTemplate(template, 'workbench');
    const value = (text: string, key: string): string | undefined => new RegExp(`^${key}=(.*)$`, 'm').exec(text)?.[1];
    for (const key of ['AIRFLOW_JWT_SECRET', 'AIRFLOW_API_SECRET_KEY', 'AIRFLOW_FERNET_KEY', 'S3_SECRET_KEY']) {
      assert.ok((value(first, key) ?? '').length >= 43, `${key} is set`);
      assert.notEqual(value(first, key), value(second, key), `${key} differs between two files`);
    }
    assert.equal(Buffer.from(value(first, 'AIRFLOW_FERNET_KEY') ?? '', 'base64url').length, 32);
    assert.equal(value(first, 'POSTGRES_PASSWORD'), 'workbench');
    assert.equal(value(first, 'AIRFLOW_ADMIN_USER'), 'admin');
    assert.doesNotMatch(first, /^[A-Z0-9_]*(SECRET|KEY|PASSWORD)=$/m);
  });
});
