/**
 * Edit, Duplicate and Test Connection, the pure parts: the check of each answer of the wizard
 * (a sentence that says what to type), the connection written back from the answers (what the
 * settings will hold), the list written to the settings, which secrets are asked again after an
 * edit, and the sentences Test Connection shows.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { airflowTestSummary } from '../../src/airflow/connectionTest';
import { historyTestSummary } from '../../src/history/connectionTest';
import { kafkaTestSummary } from '../../src/kafka/connectionTest';
import {
  airflowEditState,
  airflowFromEdit,
  airflowSecretNeeds,
  airflowUrlProblem,
  brokerListProblem,
  connectionTestError,
  duplicateName,
  historyEditState,
  historyFromEdit,
  historySecretNeeds,
  hostProblem,
  insertCopy,
  joinCommandLine,
  KAFKA_SECURITY_CHOICES,
  kafkaEditState,
  kafkaFromEdit,
  kafkaSecretNeeds,
  planSecrets,
  portProblem,
  renameProblem,
  replaceConnection,
  secretPrompt,
  type KafkaEditState,
} from '../../src/shared/connectionEdit';
import { parseAirflowConnections, parseKafkaConnections, splitCommandLine, type KafkaConnection } from '../../src/shared/connections';
import { WorkbenchError } from '../../src/shared/errors';

const choice = (id: string) => {
  const found = KAFKA_SECURITY_CHOICES.find((c) => c.id === id);
  if (!found) throw new Error(`no security choice ${id}`);
  return found;
};

describe('checks of the answers', () => {
  it('takes ports from 1 to 65535 and says what to type otherwise', () => {
    assert.equal(portProblem('5432'), undefined);
    assert.equal(portProblem(' 1 '), undefined);
    assert.equal(portProblem('65535'), undefined);
    assert.match(portProblem('0') ?? '', /out of range\. Type a number between 1 and 65535/);
    assert.match(portProblem('65536') ?? '', /out of range/);
    assert.match(portProblem('54a') ?? '', /"54a" is not a port\. Type a number/);
    assert.match(portProblem('') ?? '', /is not a port/);
    assert.match(portProblem('-1') ?? '', /is not a port/);
  });

  it('takes host names and IP addresses, and names the mistake in the others', () => {
    for (const host of ['127.0.0.1', 'db.example.com', 'postgres', '::1', '[::1]', 'my-db_1.local']) assert.equal(hostProblem(host), undefined, host);
    assert.match(hostProblem('') ?? '', /Type the host name or IP address/);
    assert.match(hostProblem('postgres://db') ?? '', /without "postgres:\/\/"/);
    assert.match(hostProblem('db example') ?? '', /no spaces/);
    assert.match(hostProblem('db.example.com:5432') ?? '', /without the port; the port is the next step/);
    assert.match(hostProblem('[::1]:5432') ?? '', /without the port/);
    assert.match(hostProblem('db/x') ?? '', /is not a host name/);
  });

  it('checks a broker list as typed and an Airflow URL', () => {
    assert.equal(brokerListProblem('127.0.0.1:9092, kafka-2:9093'), undefined);
    assert.match(brokerListProblem('127.0.0.1') ?? '', /Write host:port, for example 127\.0\.0\.1:9092/);
    assert.match(brokerListProblem('a:9092, b:99999') ?? '', /port 99999; a port is between 1 and 65535/);
    assert.match(brokerListProblem(' , ') ?? '', /at least one broker/);
    assert.equal(airflowUrlProblem('https://airflow.example.com/base/'), undefined);
    assert.match(airflowUrlProblem('airflow:8080') ?? '', /must start with http:\/\/ or https:\/\//);
    assert.match(airflowUrlProblem('not a url') ?? '', /is not a URL\. Write it like http:\/\/127\.0\.0\.1:8080/);
  });

  it('lets a connection keep its own name but not take another one', () => {
    assert.equal(renameProblem('prod', ['prod', 'dev'], 'prod'), undefined);
    assert.match(renameProblem('dev', ['prod', 'dev'], 'prod') ?? '', /"dev" exists already\. Choose another name/);
    assert.match(renameProblem('prod', ['prod'], undefined) ?? '', /exists already/, 'a duplicate may not keep the name');
    assert.match(renameProblem('  ', ['prod'], 'prod') ?? '', /Give the connection a name/);
  });

  it('writes a token command back so that it splits into the same words', () => {
    for (const argv of [
      ['/usr/local/bin/get-token', '--audience', 'kafka'],
      ['az', 'account', 'get-access-token', '--query', 'accessToken', '-o', 'tsv'],
      ['sh-less', 'two words', "it's", '', 'a"b', '$HOME'],
    ]) {
      assert.deepEqual(splitCommandLine(joinCommandLine(argv)), argv);
    }
  });
});

describe('the list written back', () => {
  const list = [{ name: 'a', v: 1 }, { name: 'b', v: 2 }, { name: 'c', v: 3 }];

  it('replaces the edited entry in its place, also when it was renamed', () => {
    assert.deepEqual(replaceConnection(list, 'b', { name: 'b2', v: 9 }, 'Kafka'), [{ name: 'a', v: 1 }, { name: 'b2', v: 9 }, { name: 'c', v: 3 }]);
  });

  it('refuses to write when the entry went away or the new name is taken meanwhile', () => {
    assert.throws(() => replaceConnection(list, 'x', { name: 'x', v: 0 }, 'Kafka'), (e: unknown) => e instanceof WorkbenchError && /"x" is no longer in the settings.*Nothing was written/.test(e.message));
    assert.throws(() => replaceConnection(list, 'b', { name: 'c', v: 0 }, 'Airflow'), /Another Airflow connection is named "c" already/);
  });

  it('puts a copy right after its original', () => {
    assert.deepEqual(insertCopy(list, 'a', { name: 'a copy', v: 1 }, 'Kafka').map((c) => c.name), ['a', 'a copy', 'b', 'c']);
    assert.deepEqual(insertCopy(list, 'gone', { name: 'z', v: 1 }, 'Kafka').map((c) => c.name), ['a', 'b', 'c', 'z']);
    assert.throws(() => insertCopy(list, 'a', { name: 'b', v: 1 }, 'Kafka'), /Another Kafka connection is named "b" already/);
  });

  it('names a copy after its original, with a number when that name is taken', () => {
    assert.equal(duplicateName('prod', ['prod']), 'prod copy');
    assert.equal(duplicateName('prod', ['prod', 'prod copy', 'prod copy 2']), 'prod copy 3');
  });
});

describe('Kafka connection from the answers', () => {
  const connections: KafkaConnection[] = [
    { name: 'plain', brokers: ['127.0.0.1:9092'], ssl: false, saslMechanism: 'none', clientId: 'me' },
    { name: 'scram', brokers: ['b1:9093', 'b2:9093'], ssl: true, saslMechanism: 'scram-sha-512', saslUsername: 'alice', caFile: '~/ca.pem' },
    { name: 'mtls', brokers: ['b:9094'], ssl: true, saslMechanism: 'none', clientCertFile: '/c.pem', clientKeyFile: '/k.pem' },
    { name: 'oauth', brokers: ['b:9095'], ssl: true, saslMechanism: 'oauthbearer', oauthTokenCommand: ['get-token', '--for', 'kafka prod'] },
    { name: 'oauth-static', brokers: ['b:9095'], ssl: true, saslMechanism: 'oauthbearer' },
    { name: 'sasl+cert', brokers: ['b:9096'], ssl: true, saslMechanism: 'plain', saslUsername: 'bob', clientCertFile: '/c.pem', clientKeyFile: '/k.pem' },
  ];

  it('gives back the same connection when every prefilled answer is taken as it is', () => {
    for (const connection of connections) {
      assert.deepEqual(kafkaFromEdit(connection, kafkaEditState(connection)), connection, connection.name);
    }
  });

  it('writes the edited brokers, name and security, keeping what the wizard does not ask', () => {
    const original = connections[1]!;
    const state: KafkaEditState = { ...kafkaEditState(original), name: 'scram2', brokers: 'b3:9093 b4:9093', saslUsername: ' carol ' };
    assert.deepEqual(kafkaFromEdit(original, state), {
      name: 'scram2', brokers: ['b3:9093', 'b4:9093'], ssl: true, saslMechanism: 'scram-sha-512', saslUsername: 'carol', caFile: '~/ca.pem',
    });
  });

  it('drops what no longer applies, so the setting stays valid', () => {
    const toPlaintext = kafkaFromEdit(connections[1]!, { ...kafkaEditState(connections[1]!), security: choice('plaintext') });
    assert.deepEqual(toPlaintext, { name: 'scram', brokers: ['b1:9093', 'b2:9093'], ssl: false, saslMechanism: 'none', caFile: '~/ca.pem' });
    const oauthToStatic = kafkaFromEdit(connections[3]!, { ...kafkaEditState(connections[3]!), tokenFromCommand: false });
    assert.equal(oauthToStatic.oauthTokenCommand, undefined);
    const mtlsToSsl = kafkaFromEdit(connections[2]!, { ...kafkaEditState(connections[2]!), security: choice('ssl') });
    assert.equal(mtlsToSsl.clientCertFile, undefined);
    assert.equal(mtlsToSsl.clientKeyFile, undefined);
    const plainToMtls = kafkaFromEdit(connections[0]!, { ...kafkaEditState(connections[0]!), security: choice('mtls'), clientCertFile: '/new.pem', clientKeyFile: '/new.key' });
    assert.deepEqual(plainToMtls, { name: 'plain', brokers: ['127.0.0.1:9092'], ssl: true, saslMechanism: 'none', clientId: 'me', clientCertFile: '/new.pem', clientKeyFile: '/new.key' });
    for (const edited of [toPlaintext, oauthToStatic, mtlsToSsl, plainToMtls]) {
      assert.deepEqual(parseKafkaConnections([edited]).problems, [], `${JSON.stringify(edited)} is a valid setting`);
    }
  });

  it('prefills the security choice that describes the connection', () => {
    assert.deepEqual(connections.map((c) => kafkaEditState(c).security.id), [
      'plaintext', 'sasl-ssl-scram-sha-512', 'mtls', 'sasl-ssl-oauthbearer', 'sasl-ssl-oauthbearer', 'sasl-ssl-plain',
    ]);
    assert.equal(kafkaEditState(connections[3]!).tokenCommand, "get-token --for 'kafka prod'");
  });
});

describe('Airflow and history connections from the answers', () => {
  it('maps the Airflow answers, dropping the user name of a token sign-in', () => {
    const original = { name: 'a3', url: 'http://127.0.0.1:8080', auth: 'password' as const, username: 'admin' };
    assert.deepEqual(airflowFromEdit(airflowEditState(original)), original);
    const token = airflowFromEdit({ ...airflowEditState(original), url: 'https://af.example.com/', auth: 'token' });
    assert.deepEqual(token, { name: 'a3', url: 'https://af.example.com', auth: 'token' });
    assert.deepEqual(parseAirflowConnections([token]).problems, []);
  });

  it('maps the history answers, the port as a number', () => {
    const original = { host: '127.0.0.1', port: 5432, database: 'workbench', user: 'workbench', ssl: false };
    assert.deepEqual(historyFromEdit(historyEditState(original)), original);
    assert.deepEqual(historyFromEdit({ ...historyEditState(original), host: ' db.example.com ', port: ' 6432 ', ssl: true }),
      { host: 'db.example.com', port: 6432, database: 'workbench', user: 'workbench', ssl: true });
  });
});

describe('secrets after an edit', () => {
  const scram: KafkaConnection = { name: 'prod', brokers: ['kafka-1.corp:9093'], ssl: true, saslMechanism: 'scram-sha-512', saslUsername: 'alice' };
  const all = () => true;

  it('keeps the secret when the target did not change (a rename, a broker written in another case)', () => {
    const renamed = { ...scram, name: 'production', brokers: ['KAFKA-1.corp:9093'] };
    const plans = planSecrets(kafkaSecretNeeds(scram), kafkaSecretNeeds(renamed), all);
    assert.deepEqual(plans.map((p) => p.action), ['keep']);
  });

  it('asks again, naming the new target, when brokers, user, mechanism or TLS changed', () => {
    for (const changed of [
      { ...scram, brokers: ['evil.example:9093'] },
      { ...scram, saslUsername: 'mallory' },
      { ...scram, saslMechanism: 'plain' as const },
      { ...scram, ssl: false },
    ]) {
      const [plan] = planSecrets(kafkaSecretNeeds(scram), kafkaSecretNeeds(changed), all);
      assert.equal(plan?.action, 'targetChanged', JSON.stringify(changed));
      assert.equal(plan.previous?.description, 'kafka-1.corp:9093 as alice (SCRAM-SHA-512, TLS)');
      const prompt = secretPrompt(plan);
      assert.match(prompt, /the saved SASL password is not sent there/);
      assert.ok(prompt.includes(`bound to ${plan.target.description}`), prompt);
    }
  });

  it('asks when nothing is stored for an unchanged target, and for a secret the connection did not need before', () => {
    assert.deepEqual(planSecrets(kafkaSecretNeeds(scram), kafkaSecretNeeds(scram), () => false).map((p) => p.action), ['missing']);
    const plain: KafkaConnection = { name: 'prod', brokers: ['kafka-1.corp:9093'], ssl: true, saslMechanism: 'none' };
    const plans = planSecrets(kafkaSecretNeeds(plain), kafkaSecretNeeds(scram), all);
    assert.deepEqual(plans.map((p) => p.action), ['missing']);
    assert.match(secretPrompt(plans[0]!), /^No SASL password is saved for kafka-1\.corp:9093 as alice/);
    assert.deepEqual(planSecrets(kafkaSecretNeeds(scram), kafkaSecretNeeds(plain), all), [], 'no SASL, nothing to ask');
  });

  it('binds a client key passphrase to the key file and the brokers, and says it may stay empty', () => {
    const mtls: KafkaConnection = { name: 'm', brokers: ['b:9094'], ssl: true, saslMechanism: 'none', clientCertFile: '/c.pem', clientKeyFile: '/k.pem' };
    assert.deepEqual(planSecrets(kafkaSecretNeeds(mtls), kafkaSecretNeeds({ ...mtls, clientCertFile: '/c2.pem' }), all).map((p) => p.action), ['keep']);
    assert.deepEqual(planSecrets(kafkaSecretNeeds(mtls), kafkaSecretNeeds(mtls), () => false).map((p) => p.action), ['keep'],
      'a key that is not encrypted has no passphrase stored: not asked at every edit');
    const plain: KafkaConnection = { name: 'm', brokers: ['b:9094'], ssl: true, saslMechanism: 'none' };
    assert.deepEqual(planSecrets(kafkaSecretNeeds(plain), kafkaSecretNeeds(mtls), () => false).map((p) => p.action), ['missing'], 'a new key: asked, may stay empty');
    const [plan] = planSecrets(kafkaSecretNeeds(mtls), kafkaSecretNeeds({ ...mtls, clientKeyFile: '/k2.pem' }), all);
    assert.equal(plan?.action, 'targetChanged');
    assert.match(secretPrompt(plan), /Leave empty if the key is not encrypted/);
  });

  it('asks again for Airflow when the URL or user changes, not when only the name does', () => {
    const a = { name: 'a', url: 'http://127.0.0.1:8080', auth: 'password' as const, username: 'admin' };
    assert.deepEqual(planSecrets(airflowSecretNeeds(a), airflowSecretNeeds({ ...a, name: 'b', url: 'http://127.0.0.1:8080/' }), all).map((p) => p.action), ['keep']);
    assert.equal(planSecrets(airflowSecretNeeds(a), airflowSecretNeeds({ ...a, url: 'http://127.0.0.1:8081' }), all)[0]?.action, 'targetChanged');
    assert.equal(planSecrets(airflowSecretNeeds(a), airflowSecretNeeds({ ...a, username: 'root' }), all)[0]?.action, 'targetChanged');
    const token = planSecrets(airflowSecretNeeds(a), airflowSecretNeeds({ name: 'a', url: a.url, auth: 'token' }), all);
    assert.equal(token[0]?.action, 'missing', 'a token is another kind of secret than the password');
    assert.equal(token[0].what, 'token');
  });

  it('asks again for the history password when host, port, database, user or TLS changes', () => {
    const h = { host: '127.0.0.1', port: 5432, database: 'workbench', user: 'workbench', ssl: false };
    assert.equal(planSecrets(historySecretNeeds(h), historySecretNeeds({ ...h, host: '127.0.0.1 ' }), all)[0]?.action, 'keep');
    for (const changed of [{ ...h, host: 'db' }, { ...h, port: 5433 }, { ...h, database: 'x' }, { ...h, user: 'x' }, { ...h, ssl: true }]) {
      assert.equal(planSecrets(historySecretNeeds(h), historySecretNeeds(changed), all)[0]?.action, 'targetChanged', JSON.stringify(changed));
    }
  });
});

describe('Test Connection sentences', () => {
  it('says what it found on a Kafka cluster', () => {
    const text = kafkaTestSummary('Local stack', {
      clusterId: 'abc', brokers: [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }], controller: 1, topics: 12, internalTopics: 1, elapsedMs: 84,
    });
    assert.equal(text, 'Kafka "Local stack": 1 broker (1 at 127.0.0.1:9092), 1 controller (broker 1), 12 topics and 1 internal, cluster abc, answered in 84 ms.');
  });

  it('says version, health and DAG count of an Airflow server, and names unhealthy components', () => {
    const info = { apiVersion: 'v2' as const, version: '3.3.2', uiUrl: 'http://x' };
    const healthy = { metadatabase: 'healthy', scheduler: 'healthy', dagProcessor: 'healthy', triggerer: 'healthy' } as const;
    assert.equal(airflowTestSummary('a', { info, dags: 1, health: healthy, unhealthy: [], elapsedMs: 5 }),
      'Airflow "a": Airflow 3.3.2 (REST API v2), healthy (metadatabase, scheduler, DAG processor, triggerer), signed in, 1 DAG, answered in 5 ms.');
    assert.match(airflowTestSummary('a', { info, dags: 3, health: { ...healthy, scheduler: 'unhealthy' }, unhealthy: ['scheduler'], elapsedMs: 5 }), /unhealthy: scheduler, signed in, 3 DAGs/);
    assert.match(airflowTestSummary('a', { info, dags: 0, health: undefined, healthError: 'timeout', unhealthy: [], elapsedMs: 5 }), /health unknown \(timeout\)/);
  });

  it('says the PostgreSQL version and row count of the history', () => {
    assert.equal(historyTestSummary('u@h:5432/db', { serverVersion: '16.4', rows: 1204, elapsedMs: 3 }),
      'History database u@h:5432/db: PostgreSQL 16.4, message_history has 1,204 rows, answered in 3 ms.');
  });

  it('turns a failure into a sentence with Edit Connection first and Retry last', () => {
    const edit = { title: 'Edit Connection', command: 'x.edit', args: [] };
    const cause = new WorkbenchError('Kafka at 127.0.0.1:1 refused the connection.', { actions: ['retry', 'openSettings'] });
    const error = connectionTestError('the Kafka connection "k"', cause, edit);
    assert.equal(error.message, 'Test of the Kafka connection "k" failed: Kafka at 127.0.0.1:1 refused the connection.');
    assert.deepEqual(error.actions, [edit, 'openSettings', 'retry']);
    assert.equal(error.cause, cause);
    assert.deepEqual(connectionTestError('x', new Error('boom'), edit).actions, [edit, 'showLog', 'retry']);
  });
});
