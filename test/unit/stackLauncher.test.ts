import assert from 'node:assert/strict';
import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { composeCommand, findOnPath, nativeCommand, runCommand, COMPOSE_PROJECT } from '../../src/stack/launcher';

const paths = { stackDir: '/ext/stack' };

describe('stack launcher commands', () => {
  it('runs docker compose on the bundled file with a fixed project name and waits for health', () => {
    assert.deepEqual(composeCommand(paths, 'up'), {
      command: 'docker',
      cwd: '/ext/stack/compose',
      args: [
        'compose', '--project-name', COMPOSE_PROJECT,
        '--file', '/ext/stack/compose/docker-compose.yml',
        '--env-file', '/ext/stack/compose/.env.example',
        'up', '--detach', '--wait', '--wait-timeout', '600',
      ],
    });
    assert.deepEqual(composeCommand(paths, 'down', '.env').args.slice(-3), ['--env-file', '/ext/stack/compose/.env', 'down']);
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
