/**
 * The launcher against the real native stack: on this kind of machine (no Docker engine)
 * it chooses the native stack and says why, `up` on a running stack is idempotent and
 * leaves every service answering, and the Airflow health it reads is the server's own.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/shared/logger';
import { airflowComponentHealth, probeTcp } from '../../src/stack/health';
import { StackLauncher } from '../../src/stack/launcher';
import { localStackServices } from '../../src/stack/localStack';

const launcher = new StackLauncher({ stackDir: join(import.meta.dirname, '..', '..', 'stack') }, silentLogger);

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

  it('starts a running stack again without harm and every service answers', async () => {
    const lines: string[] = [];
    await launcher.up('native', (line) => lines.push(line));
    for (const service of localStackServices) {
      const probe = await probeTcp(service.host, service.port);
      assert.equal(probe.reachable, true, `${service.label} on ${service.port}: ${probe.error ?? ''}`);
    }
    assert.ok(lines.length > 0, 'the launcher passed the script output on');
  });

  it('reads Airflow 3 component health from the API server', async () => {
    const health = await airflowComponentHealth('http://127.0.0.1:8080');
    assert.ok(health, 'the health endpoint answered');
    const byName = Object.fromEntries(health.map((h) => [h.component, h.status]));
    assert.equal(byName['metadatabase'], 'healthy');
    assert.equal(byName['scheduler'], 'healthy');
  });
});
