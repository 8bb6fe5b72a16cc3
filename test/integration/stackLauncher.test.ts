/**
 * The launcher against the real native stack: on this kind of machine (no Docker engine)
 * it chooses the native stack and says why, and `up` on a running stack is idempotent and
 * leaves every service healthy (the per-service probes are tested in stackHealth.test.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/shared/logger';
import { StackLauncher } from '../../src/stack/launcher';
import { probeStack } from '../../src/stack/healthMonitor';

const paths = { stackDir: join(import.meta.dirname, '..', '..', 'stack') };
const launcher = new StackLauncher(paths, silentLogger);

describe('stack launcher on the native stack', () => {
  it('chooses Compose when a Docker engine answers, otherwise the native stack, and says why', async () => {
    const choice = await launcher.choose();
    if (await launcher.dockerEngineAnswers()) {
      assert.equal(choice.kind, 'compose');
      return;
    }
    assert.equal(choice.kind, 'native');
    assert.match(choice.reasons.join(' '), /No Docker engine answers/);
    assert.deepEqual(await launcher.missingForNative(), []);
  });

  it('starts a running stack again without harm and every service is healthy afterwards', async () => {
    const lines: string[] = [];
    await launcher.up('native', (line) => lines.push(line));
    // As the Stack view probes it: Spark's row needs the stack's settings (its jars folder).
    for (const service of await probeStack('native', paths)) {
      assert.equal(service.state, 'healthy', `${service.name}: ${service.detail}`);
    }
    assert.ok(lines.some((line) => line.includes('all requested services healthy')), 'the launcher passed the script output on');
  });
});
