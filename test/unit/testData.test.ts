import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DATA_TYPE_IDS, DATA_TYPES, generateTestData, testDataMessages } from '../../src/kafka/testData';

describe('test data by data type', () => {
  it('lists every data type with a label and a description', () => {
    assert.deepEqual(DATA_TYPES.map((d) => d.id), [...DATA_TYPE_IDS]);
    for (const d of DATA_TYPES) {
      assert.ok(d.label.length > 0);
      assert.ok(d.description.length > 20, d.id);
    }
    for (const required of ['order', 'user', 'sensor_reading', 'page_view', 'payment']) assert.ok((DATA_TYPE_IDS as readonly string[]).includes(required), required);
  });

  for (const type of DATA_TYPE_IDS) {
    it(`makes ${type} messages with data_type, id, produced_at, fields and a key from the entity id`, () => {
      const info = DATA_TYPES.find((d) => d.id === type);
      const messages = generateTestData(type, 50);
      const ids = new Set<string>();
      for (const m of messages) {
        assert.equal(m.value.data_type, type);
        assert.match(m.value.id, /^[0-9a-f-]{36}$/);
        assert.ok(!Number.isNaN(Date.parse(m.value.produced_at)));
        assert.equal(new Date(m.value.produced_at).toISOString(), m.value.produced_at);
        assert.ok(Object.keys(m.value).length >= 8, `${type} has realistic fields`);
        const entity = m.value[info?.keyField ?? ''];
        assert.equal(typeof entity, 'string');
        assert.equal(m.key, `${type}:${String(entity)}`);
        ids.add(m.value.id);
      }
      assert.equal(ids.size, 50, 'ids are unique');
    });
  }

  it('makes realistic orders: totals add up', () => {
    for (const m of generateTestData('order', 20, { seed: 3 })) {
      const items = m.value['items'] as { quantity: number; unit_price: number }[];
      const total = Math.round(items.reduce((s, i) => s + i.quantity * i.unit_price, 0) * 100) / 100;
      assert.equal(m.value['total_amount'], total);
    }
  });

  it('is reproducible with a seed, clock included, and varies without one', () => {
    const a = generateTestData('payment', 5, { seed: 42 });
    const b = generateTestData('payment', 5, { seed: 42 });
    assert.deepEqual(a, b);
    assert.equal(a[0]?.value.produced_at, '2025-01-01T00:00:00.000Z');
    assert.equal(a[1]?.value.produced_at, '2025-01-01T00:00:01.000Z');
    assert.notDeepEqual(generateTestData('payment', 5, { seed: 43 }), a);
    assert.notDeepEqual(generateTestData('payment', 5).map((m) => m.value.id), generateTestData('payment', 5).map((m) => m.value.id));
  });

  it('turns into produce messages with JSON values and a data_type header', () => {
    const [m] = testDataMessages('sensor_reading', 1, { seed: 1 });
    assert.ok(m);
    assert.equal(typeof m.value, 'string');
    const value = JSON.parse(m.value as string) as { data_type: string; sensor_id: string };
    assert.equal(value.data_type, 'sensor_reading');
    assert.equal(m.key, `sensor_reading:${value.sensor_id}`);
    assert.deepEqual(m.headers, { data_type: 'sensor_reading' });
  });
});
