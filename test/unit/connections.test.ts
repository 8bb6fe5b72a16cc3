import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  brokerAddressProblem,
  connectionNameProblem,
  parseAirflowConnections,
  parseAirflowUrl,
  parseBrokerList,
  parseHistoryConnection,
  parseKafkaConnections,
  upsertByName,
} from '../../src/shared/connections';

describe('broker addresses', () => {
  it('accepts host:port, IPv4 and bracketed IPv6', () => {
    assert.equal(brokerAddressProblem('127.0.0.1:9092'), undefined);
    assert.equal(brokerAddressProblem('kafka-1.internal:19092'), undefined);
    assert.equal(brokerAddressProblem('[::1]:9092'), undefined);
  });

  it('explains a missing port, a URL and an out-of-range port', () => {
    assert.match(brokerAddressProblem('localhost') ?? '', /Write host:port/);
    assert.match(brokerAddressProblem('http://localhost:9092') ?? '', /not a broker address/);
    assert.match(brokerAddressProblem('localhost:70000') ?? '', /between 1 and 65535/);
  });

  it('splits a typed list on commas and spaces', () => {
    assert.deepEqual(parseBrokerList(' a:1, b:2  c:3 ').value, ['a:1', 'b:2', 'c:3']);
    assert.equal(parseBrokerList('').problems.length, 1);
  });
});

describe('Kafka connection settings', () => {
  it('keeps the good entries and names the bad ones', () => {
    const parsed = parseKafkaConnections([
      { name: 'dev', brokers: ['127.0.0.1:9092'] },
      { name: 'bad', brokers: ['nohost'] },
      { brokers: ['x:1'] },
      { name: 'sasl', brokers: ['b:9093'], ssl: true, saslMechanism: 'scram-sha-512' },
      { name: 'dev', brokers: ['other:9092'] },
    ]);
    assert.deepEqual(parsed.value.map((c) => c.name), ['dev']);
    assert.equal(parsed.value[0]!.ssl, false);
    assert.equal(parsed.value[0]!.saslMechanism, 'none');
    assert.equal(parsed.problems.length, 4);
    assert.match(parsed.problems.join('\n'), /"bad": "nohost" is not a broker address/);
    assert.match(parsed.problems.join('\n'), /#3 has no "name"/);
    assert.match(parsed.problems.join('\n'), /"sasl": SASL scram-sha-512 needs "saslUsername"/);
    assert.match(parsed.problems.join('\n'), /"dev" is defined twice/);
  });

  it('says so when the setting is not a list', () => {
    assert.match(parseKafkaConnections({ name: 'x' }).problems[0] ?? '', /must be a list/);
    assert.deepEqual(parseKafkaConnections(undefined), { value: [], problems: [] });
  });
});

describe('Airflow connection settings', () => {
  it('normalizes the URL and requires a user for password auth', () => {
    const parsed = parseAirflowConnections([
      { name: 'af3', url: 'http://127.0.0.1:8080/', username: 'admin' },
      { name: 'tok', url: 'https://airflow.example.com', auth: 'token' },
      { name: 'nouser', url: 'http://x:1' },
      { name: 'ftp', url: 'ftp://x' },
    ]);
    assert.deepEqual(parsed.value, [
      { name: 'af3', url: 'http://127.0.0.1:8080', auth: 'password', username: 'admin' },
      { name: 'tok', url: 'https://airflow.example.com', auth: 'token' },
    ]);
    assert.match(parsed.problems[0] ?? '', /"nouser": password auth needs "username"/);
    assert.match(parsed.problems[1] ?? '', /must start with http/);
  });

  it('rejects text that is not a URL with an example', () => {
    assert.match(parseAirflowUrl('localhost 8080').problems[0] ?? '', /like http:\/\/127\.0\.0\.1:8080/);
  });
});

describe('history connection setting', () => {
  it('fills defaults and checks the port', () => {
    assert.deepEqual(parseHistoryConnection({ host: 'db' }).value, {
      host: 'db', port: 5432, database: 'workbench', user: 'workbench', ssl: false,
    });
    assert.match(parseHistoryConnection({ port: 'x' }).problems[0] ?? '', /"port" must be a number/);
    assert.equal(parseHistoryConnection(null).value, undefined);
  });
});

describe('editing connection lists', () => {
  it('replaces by name or appends', () => {
    const list = [{ name: 'a', v: 1 }, { name: 'b', v: 2 }];
    assert.deepEqual(upsertByName(list, { name: 'b', v: 3 }), [{ name: 'a', v: 1 }, { name: 'b', v: 3 }]);
    assert.deepEqual(upsertByName(list, { name: 'c', v: 4 }).map((x) => x.name), ['a', 'b', 'c']);
    assert.deepEqual(list[1], { name: 'b', v: 2 });
  });

  it('refuses empty and duplicate names', () => {
    assert.match(connectionNameProblem('  ', []) ?? '', /Give the connection a name/);
    assert.match(connectionNameProblem('dev', ['dev']) ?? '', /exists already/);
    assert.equal(connectionNameProblem('prod', ['dev']), undefined);
  });
});
