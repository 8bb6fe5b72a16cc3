/** The Show Connections quick pick and the view badges, as a user reads them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedRunsBadge } from '../../src/airflow/badge';
import { unhealthyServicesBadge } from '../../src/stack/stackSummary';
import type { ServiceHealth } from '../../src/stack/serviceHealth';
import { statusRows, type StatusRow, type StatusSnapshot } from '../../src/shared/statusOverview';

const empty: StatusSnapshot = { kafka: [], airflow: [], history: undefined, stack: { inUse: false, summary: undefined } };
const labels = (rows: StatusRow[]): string[] => rows.map((r) => ('separator' in r ? `-- ${r.separator}` : r.label));
const actions = (rows: StatusRow[]): string[] => rows.flatMap((r) => ('action' in r ? [r.action.kind] : []));

describe('Show Connections', () => {
  it('offers to set up each system when nothing is configured, and to connect or launch the stack', () => {
    const rows = statusRows(empty);
    assert.deepEqual(labels(rows).filter((l) => l.startsWith('--')), ['-- Kafka', '-- Airflow', '-- Message history', '-- Local stack', '-- ']);
    assert.deepEqual(actions(rows), ['addKafka', 'addAirflow', 'setHistory', 'connectLocalStack', 'launchStack', 'refreshAll', 'showLog']);
  });

  it('lists what is configured with whether it is connected, and the stack with its health', () => {
    const rows = statusRows({
      kafka: [{ name: 'local', brokers: ['127.0.0.1:9092'], connected: true }, { name: 'prod', brokers: ['k1:9093', 'k2:9093'], connected: false }],
      airflow: [{ name: 'af3', url: 'http://127.0.0.1:8080', active: true, status: 'Airflow 3.3.2 ✓' }],
      history: { address: 'workbench@127.0.0.1:5432/workbench', connected: false },
      stack: { inUse: true, summary: 'Stack: 6/7 healthy' },
    });
    const local = rows.find((r) => 'label' in r && r.label.endsWith(' local'));
    assert.ok(local && 'detail' in local && local.detail?.startsWith('Connected'));
    const prod = rows.find((r) => 'label' in r && r.label.endsWith(' prod'));
    assert.ok(prod && 'description' in prod && prod.description === 'k1:9093, k2:9093' && prod.detail?.startsWith('Not connected yet'));
    assert.ok(labels(rows).some((l) => l.includes('Stack: 6/7 healthy')));
    assert.deepEqual(actions(rows), ['reconnectKafka', 'reconnectKafka', 'airflowStatus', 'reconnectHistory', 'openStackView', 'stopStack', 'refreshAll', 'showLog']);
  });
});

describe('view badges', () => {
  it('counts the DAGs whose latest run failed and names them', () => {
    assert.equal(failedRunsBadge([]), undefined);
    assert.deepEqual(failedRunsBadge(['b', 'a']), { value: 2, tooltip: '2 DAGs whose latest run failed: a, b' });
    assert.match(failedRunsBadge(['a', 'b', 'c', 'd', 'e', 'f', 'g'])?.tooltip ?? '', /a, b, c, d, e and 2 more$/);
  });

  const service = (name: string, state: ServiceHealth['state']): ServiceHealth => ({ id: name, name, state, detail: '', logsTarget: name });
  it('counts unhealthy and stopped services, not those starting, and none during a launch', () => {
    const services = [service('Kafka', 'healthy'), service('PostgreSQL', 'stopped'), service('Airflow 2', 'unhealthy'), service('Airflow 3 scheduler', 'starting')];
    assert.deepEqual(unhealthyServicesBadge(services, false), { value: 2, tooltip: '2 services not healthy: PostgreSQL (stopped), Airflow 2 (unhealthy)' });
    assert.equal(unhealthyServicesBadge(services, true), undefined);
    assert.equal(unhealthyServicesBadge([service('Kafka', 'healthy')], false), undefined);
    assert.equal(unhealthyServicesBadge(undefined, false), undefined);
  });
});
