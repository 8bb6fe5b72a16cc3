/**
 * Test-data generators by data type, like the producer scripts of Kafka → Airflow pipelines:
 * every message is a JSON object carrying `data_type` (so the batch consumer can route it to
 * a dataset), an `id`, a `produced_at` ISO time and realistic fields made with
 * @faker-js/faker. A seed makes the output reproducible (same seed, same messages, and a
 * fixed clock unless one is given). The key is derived from the entity id:
 * `<data_type>:<entity id>` (the order, user, sensor, session, payment or shipment), so all
 * messages of one entity land on one partition. Pure: no I/O.
 */
import type { Faker } from '@faker-js/faker';
import type * as FakerBundle from './fakerBundle';
import type { ProduceMessage } from './types';

export const DATA_TYPE_IDS = ['order', 'user', 'sensor_reading', 'page_view', 'payment', 'shipment'] as const;
export type DataType = (typeof DATA_TYPE_IDS)[number];

export interface DataTypeInfo {
  id: DataType;
  label: string;
  description: string;
  /** The field the key is derived from. */
  keyField: string;
}

/** The data types with a description each, in the order the UI lists them. */
export const DATA_TYPES: readonly DataTypeInfo[] = [
  { id: 'order', label: 'Orders', keyField: 'order_id', description: 'E-commerce orders: customer, line items with SKU, quantity and price, total, currency, status and shipping address.' },
  { id: 'user', label: 'Users', keyField: 'user_id', description: 'User sign-ups and profile updates: name, e-mail, user name, country, plan and whether the account is active.' },
  { id: 'sensor_reading', label: 'Sensor readings', keyField: 'sensor_id', description: 'IoT readings: sensor and site, temperature, humidity, pressure, battery level and a status that is sometimes "warning" or "error".' },
  { id: 'page_view', label: 'Page views', keyField: 'session_id', description: 'Web analytics: session, user, URL and path, referrer, device, browser user agent, IP address and time on page.' },
  { id: 'payment', label: 'Payments', keyField: 'payment_id', description: 'Payments for orders: amount, currency, method, masked card, processor and a status that sometimes fails.' },
  { id: 'shipment', label: 'Shipments', keyField: 'shipment_id', description: 'Shipments of orders: carrier, tracking number, status, origin and destination, estimated delivery date.' },
];

export interface TestDataOptions {
  /** Makes the output reproducible. */
  seed?: number;
  /**
   * The clock for `produced_at`, in ms. Defaults to Date.now, or with a seed to a fixed
   * start (2025-01-01T00:00:00Z) plus one second per message.
   */
  now?: (sequence: number) => number;
}

export interface GeneratedMessage {
  key: string;
  value: Record<string, unknown> & { data_type: DataType; id: string; produced_at: string };
}

const SEEDED_EPOCH = Date.UTC(2025, 0, 1);

/** True when `value` names a data type. */
export function isDataType(value: string): value is DataType {
  return (DATA_TYPE_IDS as readonly string[]).includes(value);
}

let fakerBundle: typeof FakerBundle | undefined;

/**
 * @faker-js/faker, loaded on the first call rather than at activation (see fakerBundle.ts).
 * A synchronous require, so the generators stay synchronous; in the extension it reads
 * dist/faker.js beside dist/extension.js.
 */
function loadFaker(): typeof FakerBundle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see fakerBundle.ts
  fakerBundle ??= require('./fakerBundle') as typeof FakerBundle;
  return fakerBundle;
}

/** A Faker instance with English data; seeded when a seed is given. */
export function createFaker(seed?: number): Faker {
  const { Faker, base, en } = loadFaker();
  const faker = new Faker({ locale: [en, base] });
  if (seed !== undefined) {
    faker.seed(seed);
    faker.setDefaultRefDate(new Date(SEEDED_EPOCH));
  }
  return faker;
}

function money(faker: Faker, min: number, max: number): number {
  return faker.number.float({ min, max, fractionDigits: 2 });
}

type Fields = Record<string, unknown>;

function orderFields(faker: Faker, at: Date): [string, Fields] {
  const orderId = `ORD-${faker.string.alphanumeric({ length: 10, casing: 'upper' })}`;
  const items = faker.helpers.multiple(
    () => {
      const quantity = faker.number.int({ min: 1, max: 5 });
      const unitPrice = money(faker, 2, 250);
      return { sku: `SKU-${faker.string.numeric(6)}`, name: faker.commerce.productName(), category: faker.commerce.department(), quantity, unit_price: unitPrice };
    },
    { count: { min: 1, max: 4 } },
  );
  const total = Math.round(items.reduce((s, i) => s + i.quantity * i.unit_price, 0) * 100) / 100;
  return [
    orderId,
    {
      order_id: orderId,
      customer_id: `CUST-${faker.string.numeric(7)}`,
      customer_email: faker.internet.email().toLowerCase(),
      items,
      item_count: items.reduce((s, i) => s + i.quantity, 0),
      total_amount: total,
      currency: faker.helpers.arrayElement(['USD', 'EUR', 'GBP', 'JPY', 'TWD']),
      status: faker.helpers.weightedArrayElement([
        { weight: 6, value: 'created' },
        { weight: 2, value: 'paid' },
        { weight: 1, value: 'shipped' },
        { weight: 1, value: 'cancelled' },
      ]),
      shipping_address: {
        street: faker.location.streetAddress(),
        city: faker.location.city(),
        postal_code: faker.location.zipCode(),
        country: faker.location.countryCode(),
      },
      ordered_at: faker.date.recent({ days: 2, refDate: at }).toISOString(),
    },
  ];
}

function userFields(faker: Faker, at: Date): [string, Fields] {
  const userId = `USR-${faker.string.numeric(8)}`;
  const firstName = faker.person.firstName();
  const lastName = faker.person.lastName();
  return [
    userId,
    {
      user_id: userId,
      first_name: firstName,
      last_name: lastName,
      email: faker.internet.email({ firstName, lastName }).toLowerCase(),
      username: faker.internet.username({ firstName, lastName }),
      country: faker.location.countryCode(),
      city: faker.location.city(),
      age: faker.number.int({ min: 18, max: 85 }),
      plan: faker.helpers.arrayElement(['free', 'basic', 'pro', 'enterprise']),
      is_active: faker.datatype.boolean({ probability: 0.9 }),
      event: faker.helpers.arrayElement(['signed_up', 'profile_updated', 'logged_in']),
      signed_up_at: faker.date.past({ years: 3, refDate: at }).toISOString(),
    },
  ];
}

function sensorFields(faker: Faker, at: Date): [string, Fields] {
  const sensorId = `SENSOR-${faker.number.int({ min: 1, max: 200 }).toString().padStart(4, '0')}`;
  const status = faker.helpers.weightedArrayElement([
    { weight: 90, value: 'ok' },
    { weight: 8, value: 'warning' },
    { weight: 2, value: 'error' },
  ]);
  return [
    sensorId,
    {
      sensor_id: sensorId,
      device_type: faker.helpers.arrayElement(['thermometer', 'hygrometer', 'barometer', 'multisensor']),
      site: faker.helpers.arrayElement(['plant-a', 'plant-b', 'warehouse-1', 'office-hq']),
      location: { latitude: faker.location.latitude(), longitude: faker.location.longitude() },
      temperature_c: faker.number.float({ min: -10, max: 45, fractionDigits: 2 }),
      humidity_pct: faker.number.float({ min: 10, max: 95, fractionDigits: 1 }),
      pressure_hpa: faker.number.float({ min: 980, max: 1040, fractionDigits: 1 }),
      battery_pct: faker.number.int({ min: 0, max: 100 }),
      status,
      measured_at: new Date(at.getTime() - faker.number.int({ min: 0, max: 5000 })).toISOString(),
    },
  ];
}

function pageViewFields(faker: Faker, at: Date): [string, Fields] {
  const sessionId = `SES-${faker.string.alphanumeric({ length: 12, casing: 'lower' })}`;
  const path = faker.helpers.arrayElement(['/', '/products', '/products/' + faker.string.numeric(4), '/cart', '/checkout', '/search', '/account', '/blog/' + faker.lorem.slug(3)]);
  return [
    sessionId,
    {
      session_id: sessionId,
      user_id: faker.datatype.boolean({ probability: 0.6 }) ? `USR-${faker.string.numeric(8)}` : null,
      url: `https://shop.example.com${path}`,
      path,
      referrer: faker.helpers.arrayElement([null, 'https://www.google.com/', 'https://news.ycombinator.com/', 'https://t.co/', faker.internet.url()]),
      device: faker.helpers.arrayElement(['desktop', 'mobile', 'tablet']),
      user_agent: faker.internet.userAgent(),
      ip: faker.internet.ipv4(),
      duration_ms: faker.number.int({ min: 200, max: 120_000 }),
      viewed_at: at.toISOString(),
    },
  ];
}

function paymentFields(faker: Faker, at: Date): [string, Fields] {
  const paymentId = `PAY-${faker.string.alphanumeric({ length: 12, casing: 'upper' })}`;
  const method = faker.helpers.arrayElement(['card', 'card', 'card', 'paypal', 'bank_transfer', 'apple_pay']);
  const status = faker.helpers.weightedArrayElement([
    { weight: 85, value: 'succeeded' },
    { weight: 10, value: 'failed' },
    { weight: 5, value: 'refunded' },
  ]);
  return [
    paymentId,
    {
      payment_id: paymentId,
      order_id: `ORD-${faker.string.alphanumeric({ length: 10, casing: 'upper' })}`,
      amount: money(faker, 1, 2000),
      currency: faker.helpers.arrayElement(['USD', 'EUR', 'GBP', 'JPY', 'TWD']),
      method,
      card_last4: method === 'card' ? faker.string.numeric(4) : null,
      processor: faker.helpers.arrayElement(['stripe', 'adyen', 'braintree']),
      status,
      failure_reason: status === 'failed' ? faker.helpers.arrayElement(['insufficient_funds', 'card_declined', 'expired_card']) : null,
      paid_at: at.toISOString(),
    },
  ];
}

function shipmentFields(faker: Faker, at: Date): [string, Fields] {
  const shipmentId = `SHP-${faker.string.alphanumeric({ length: 10, casing: 'upper' })}`;
  return [
    shipmentId,
    {
      shipment_id: shipmentId,
      order_id: `ORD-${faker.string.alphanumeric({ length: 10, casing: 'upper' })}`,
      carrier: faker.helpers.arrayElement(['DHL', 'UPS', 'FedEx', 'USPS', 'PostNL']),
      tracking_number: faker.string.alphanumeric({ length: 16, casing: 'upper' }),
      status: faker.helpers.arrayElement(['label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception']),
      origin: { city: faker.location.city(), country: faker.location.countryCode() },
      destination: { city: faker.location.city(), country: faker.location.countryCode() },
      weight_kg: faker.number.float({ min: 0.1, max: 30, fractionDigits: 2 }),
      estimated_delivery: faker.date.soon({ days: 7, refDate: at }).toISOString().slice(0, 10),
    },
  ];
}

const FIELDS: Record<DataType, (faker: Faker, at: Date) => [string, Fields]> = {
  order: orderFields,
  user: userFields,
  sensor_reading: sensorFields,
  page_view: pageViewFields,
  payment: paymentFields,
  shipment: shipmentFields,
};

/** Makes messages of one data type one after another; `next(sequence)` takes the 1-based message number. */
export class TestDataGenerator {
  private readonly faker: Faker;
  private readonly clock: (sequence: number) => number;

  constructor(
    readonly dataType: DataType,
    options: TestDataOptions = {},
    faker?: Faker,
  ) {
    this.faker = faker ?? createFaker(options.seed);
    this.clock = options.now ?? (options.seed !== undefined ? (sequence) => SEEDED_EPOCH + (sequence - 1) * 1000 : () => Date.now());
  }

  next(sequence: number): GeneratedMessage {
    const at = new Date(this.clock(sequence));
    const [entityId, fields] = FIELDS[this.dataType](this.faker, at);
    const id = this.faker.string.uuid();
    return {
      key: `${this.dataType}:${entityId}`,
      value: { data_type: this.dataType, id, produced_at: at.toISOString(), ...fields },
    };
  }
}

/** `count` messages of `dataType`. */
export function generateTestData(dataType: DataType, count: number, options: TestDataOptions = {}): GeneratedMessage[] {
  const generator = new TestDataGenerator(dataType, options);
  return Array.from({ length: count }, (_, i) => generator.next(i + 1));
}

/** The same as ProduceMessages: JSON value, the derived key, a `data_type` header. */
export function testDataMessages(dataType: DataType, count: number, options: TestDataOptions = {}): ProduceMessage[] {
  return generateTestData(dataType, count, options).map((m) => ({
    key: m.key,
    value: JSON.stringify(m.value),
    headers: { data_type: m.value.data_type },
  }));
}
