/**
 * Secrets are bound to what they unlock: the key of a saved password depends on the target
 * (brokers or URL, mechanism, user), never on the connection's name, so a folder that
 * defines a connection of the same name pointing elsewhere finds no secret. Also the
 * Restricted Mode choice of which connection setting counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  airflowTarget,
  canonicalUrl,
  historyTarget,
  kafkaPasswordTarget,
  kafkaSecretNeeds,
  secretKeyOf,
  targetChangedMessage,
} from '../../src/shared/credentials';
import { effectiveSetting, parseKafkaConnections, restrictedModeNote, type KafkaConnection } from '../../src/shared/connections';

const users: KafkaConnection = {
  name: 'prod', brokers: ['kafka-1.corp:9093', 'kafka-2.corp:9093'], ssl: true, saslMechanism: 'scram-sha-512', saslUsername: 'alice',
};

describe('identity-bound secret keys', () => {
  it('gives a same-named connection with other brokers another key (the attack finds nothing)', () => {
    const rogue: KafkaConnection = { ...users, brokers: ['evil.example:9093'] };
    assert.notEqual(secretKeyOf(kafkaPasswordTarget(rogue)), secretKeyOf(kafkaPasswordTarget(users)));
  });

  it('changes the key when the user, the mechanism or TLS changes', () => {
    const key = secretKeyOf(kafkaPasswordTarget(users));
    assert.notEqual(secretKeyOf(kafkaPasswordTarget({ ...users, saslUsername: 'mallory' })), key);
    assert.notEqual(secretKeyOf(kafkaPasswordTarget({ ...users, saslMechanism: 'plain' })), key);
    assert.notEqual(secretKeyOf(kafkaPasswordTarget({ ...users, ssl: false })), key);
  });

  it('keeps the key when only the name, the broker order or the case of a host changes', () => {
    const key = secretKeyOf(kafkaPasswordTarget(users));
    assert.equal(secretKeyOf(kafkaPasswordTarget({ ...users, name: 'renamed' })), key);
    assert.equal(secretKeyOf(kafkaPasswordTarget({ ...users, brokers: ['KAFKA-2.corp:9093', 'kafka-1.corp:9093'] })), key);
  });

  it('does not put the name or the target in clear in the key', () => {
    const key = secretKeyOf(kafkaPasswordTarget(users));
    assert.match(key, /^kafkaAirflow\.secret\.kafka\.password\.[0-9a-f]{40}$/);
  });

  it('binds Airflow secrets to URL, sign-in kind and user', () => {
    const mine = { name: 'af', url: 'https://airflow.corp/', auth: 'password' as const, username: 'admin' };
    const key = secretKeyOf(airflowTarget(mine));
    assert.equal(secretKeyOf(airflowTarget({ ...mine, url: 'HTTPS://AIRFLOW.corp' })), key);
    assert.notEqual(secretKeyOf(airflowTarget({ ...mine, url: 'https://airflow.evil' })), key);
    assert.notEqual(secretKeyOf(airflowTarget({ ...mine, url: 'http://airflow.corp' })), key, 'https → http is another target');
    assert.notEqual(secretKeyOf(airflowTarget({ ...mine, username: 'other' })), key);
    assert.notEqual(secretKeyOf(airflowTarget({ ...mine, auth: 'token' })), key);
    assert.equal(canonicalUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080');
  });

  it('binds the history password to host, port, database and user', () => {
    const db = { host: 'db.corp', port: 5432, database: 'workbench', user: 'wb', ssl: false };
    const key = secretKeyOf(historyTarget(db));
    assert.notEqual(secretKeyOf(historyTarget({ ...db, host: 'evil' })), key);
    assert.notEqual(secretKeyOf(historyTarget({ ...db, port: 5433 })), key);
    assert.notEqual(secretKeyOf(historyTarget({ ...db, user: 'postgres' })), key);
  });

  it('says what changed and that the saved secret is not sent', () => {
    const rogue = kafkaPasswordTarget({ ...users, brokers: ['evil.example:9093'] });
    const text = targetChangedMessage('SASL password', rogue, kafkaPasswordTarget(users).description);
    assert.match(text, /Kafka connection "prod" now points at evil\.example:9093 as alice/);
    assert.match(text, /saved for kafka-1\.corp:9093, kafka-2\.corp:9093 as alice/);
    assert.match(text, /not sent to a new target/);
    assert.match(text, /enter the SASL password for it/);
  });

  it('lists what each kind of connection needs from secret storage', () => {
    assert.deepEqual(kafkaSecretNeeds(users).map((n) => n.what), ['SASL password']);
    assert.deepEqual(kafkaSecretNeeds({ ...users, saslMechanism: 'none' }).map((n) => n.what), []);
    const oauth = { ...users, saslMechanism: 'oauthbearer' as const };
    assert.deepEqual(kafkaSecretNeeds(oauth).map((n) => n.what), ['OAuth token']);
    assert.deepEqual(kafkaSecretNeeds({ ...oauth, oauthTokenCommand: ['get-token'] }).map((n) => n.what), []);
    const mtls = { ...users, saslMechanism: 'none' as const, clientCertFile: '/c.pem', clientKeyFile: '/k.pem' };
    assert.deepEqual(kafkaSecretNeeds(mtls).map((n) => [n.what, n.optional]), [['passphrase of the client key', true]]);
  });
});

describe('connection settings under workspace trust', () => {
  const user = [{ name: 'prod', brokers: ['kafka-1.corp:9093'] }];
  const folder = [{ name: 'prod', brokers: ['evil.example:9093'] }];

  it('uses the folder value only in a trusted folder', () => {
    assert.deepEqual(effectiveSetting({ globalValue: user, workspaceValue: folder, defaultValue: [] }, true), { value: folder, origin: 'workspace' });
    assert.deepEqual(effectiveSetting({ globalValue: user, workspaceValue: folder, defaultValue: [] }, false), { value: user, origin: 'user', ignored: folder });
    assert.deepEqual(effectiveSetting({ workspaceFolderValue: folder, defaultValue: [] }, false), { value: [], origin: 'default', ignored: folder });
    assert.deepEqual(effectiveSetting({ globalValue: user, defaultValue: [] }, false), { value: user, origin: 'user' });
  });

  it('names the ignored connections in a Restricted Mode note', () => {
    assert.equal(restrictedModeNote('Kafka connection', ['prod']),
      'Restricted Mode: the Kafka connection "prod" is defined in this folder\'s settings and not used until you trust the folder.');
    assert.match(restrictedModeNote('Airflow connection', ['a', 'b']), /Airflow connections "a", "b" are defined/);
  });

  it('validates the mutual TLS and OAUTHBEARER fields with a sentence that says what to fix', () => {
    const parsed = parseKafkaConnections([
      { name: 'a', brokers: ['h:1'], ssl: true, clientCertFile: '/c.pem' },
      { name: 'b', brokers: ['h:1'], clientCertFile: '/c.pem', clientKeyFile: '/k.pem' },
      { name: 'c', brokers: ['h:1'], saslMechanism: 'oauthbearer', oauthTokenCommand: 'get-token --x' },
      { name: 'd', brokers: ['h:1'], saslMechanism: 'plain', saslUsername: 'u', oauthTokenCommand: ['t'] },
      { name: 'ok', brokers: ['h:1'], ssl: true, clientCertFile: '/c.pem', clientKeyFile: '/k.pem', saslMechanism: 'oauthbearer', oauthTokenCommand: ['get-token'] },
    ]);
    assert.deepEqual(parsed.value.map((c) => c.name), ['ok']);
    assert.match(parsed.problems[0] ?? '', /"a": mutual TLS needs both .* "clientKeyFile" is missing/);
    assert.match(parsed.problems[1] ?? '', /"b": a client certificate is only sent over TLS/);
    assert.match(parsed.problems[2] ?? '', /"c": "oauthTokenCommand" is the program and its arguments as a list/);
    assert.match(parsed.problems[3] ?? '', /"d": "oauthTokenCommand" is used only with "saslMechanism": "oauthbearer"/);
  });
});

describe('splitCommandLine', () => {
  it('splits a token command as a shell would, without running one', async () => {
    const { splitCommandLine } = await import('../../src/shared/connections');
    assert.deepEqual(splitCommandLine('/usr/bin/get-token --audience kafka'), ['/usr/bin/get-token', '--audience', 'kafka']);
    assert.deepEqual(splitCommandLine(`node -e 'console.log("a b")'`), ['node', '-e', 'console.log("a b")']);
    assert.deepEqual(splitCommandLine('a "b c" d\\ e ""'), ['a', 'b c', 'd e', '']);
    assert.deepEqual(splitCommandLine('  '), []);
    assert.deepEqual(splitCommandLine('echo $(rm -rf x); ls'), ['echo', '$(rm', '-rf', 'x);', 'ls'], 'no shell: $() and ; are plain characters');
  });
});
