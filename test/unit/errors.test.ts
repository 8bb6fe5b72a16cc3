import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { describeError, explainNetworkError, systemErrorCode, userMessage, WorkbenchError } from '../../src/shared/errors';
import { probeTcp } from '../../src/stack/health';

/** A port that was free a moment ago: listen on 0, note the port, close. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => { resolve(); }));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

describe('error messages', () => {
  it('finds the system error code through the cause chain', () => {
    const root = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('fetch failed', { cause: root });
    assert.equal(systemErrorCode(wrapped), 'ECONNREFUSED');
    assert.equal(systemErrorCode(new AggregateError([root])), 'ECONNREFUSED');
    assert.equal(systemErrorCode(new Error('plain')), undefined);
  });

  it('explains a refused connection with the system and the address', () => {
    const error = new Error('x', { cause: Object.assign(new Error('y'), { code: 'ECONNREFUSED' }) });
    assert.equal(
      explainNetworkError(error, 'Kafka', '127.0.0.1:9092'),
      'Kafka at 127.0.0.1:9092 refused the connection. Is it running? Start the local stack or check the address in the settings.',
    );
  });

  it('logs the whole chain and shows the sentence meant for the user', () => {
    const error = new WorkbenchError('Airflow refused the password.', { cause: new Error('HTTP 401') });
    assert.equal(describeError(error), 'Airflow refused the password. ← HTTP 401');
    assert.equal(userMessage(error), 'Airflow refused the password.');
    assert.deepEqual(error.actions, ['showLog']);
  });
});

describe('TCP probe', () => {
  it('reports a listening port as reachable and a closed one with its error code', async () => {
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    try {
      const up = await probeTcp('127.0.0.1', address.port);
      assert.equal(up.reachable, true);
    } finally {
      server.close();
    }
    const down = await probeTcp('127.0.0.1', await freePort());
    assert.equal(down.reachable, false);
    assert.equal(down.error, 'ECONNREFUSED');
  });
});
