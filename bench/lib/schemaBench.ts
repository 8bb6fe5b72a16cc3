/**
 * Shared pieces of the schema benchmarks (bench/schema-inspector.ts, bench/schema-produce.ts):
 * the 10-field Avro record they use, the registry of the native stack, a subject registered
 * for the run and removed after it, and the producer form's path for values generated from a
 * subject (the form checked into a plan, its keys and headers rendered, each value generated
 * and framed in the wire format, then KafkaService.produce), as the producer panel sends it.
 */
import { checkProducerForm, defaultForm } from '../../src/kafka/producerForm';
import type { KafkaService } from '../../src/kafka/kafkaService';
import type { ProduceMessage, ProduceResult } from '../../src/kafka/types';
import { compilePlan } from '../../src/panels/producerMessages';
import { SchemaRegistryClient } from '../../src/schemas/registryClient';
import { generatingEncoder, schemaForProduce } from '../../src/schemas/schemaProduce';
import type { SchemaCache } from '../../src/schemas/serdes';

export const REGISTRY = process.env['KAW_SCHEMA_REGISTRY_URL'] || 'http://127.0.0.1:8085';

/** A 10-field order: uuid, strings (two of them faker-filled by name), decimal, int, enum, timestamp-millis, a nullable string, boolean, double. */
export const BENCH_SCHEMA = JSON.stringify({
  type: 'record', name: 'BenchOrder', namespace: 'bench',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'customer', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'quantity', type: 'int' },
    { name: 'status', type: { type: 'enum', name: 'BenchStatus', symbols: ['NEW', 'PAID', 'SHIPPED', 'CANCELLED'] } },
    { name: 'created_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'paid', type: 'boolean' },
    { name: 'score', type: 'double' },
  ],
});

export function registryClient(): SchemaRegistryClient {
  return new SchemaRegistryClient({ baseUrl: REGISTRY });
}

/** Registers BENCH_SCHEMA under `subject`; says which command starts the registry when it does not answer. */
export async function registerBenchSubject(registry: SchemaRegistryClient, subject: string): Promise<number> {
  try {
    return await registry.register(subject, { schema: BENCH_SCHEMA, schemaType: 'AVRO' });
  } catch (error) {
    throw new Error(`Registering ${subject} at ${REGISTRY} failed (${error instanceof Error ? error.message : String(error)}). Start the stack: bash stack/native/stack.sh up`, { cause: error });
  }
}

/** Soft then hard delete of the subject (the registry needs both); a failure is printed with the subject's name, not thrown. */
export async function removeSubject(registry: SchemaRegistryClient, subject: string): Promise<void> {
  try {
    await registry.deleteSubject(subject);
    await registry.deleteSubject(subject, { permanent: true });
  } catch (error) {
    console.warn(`left subject ${subject}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export interface SubjectRun {
  /** Subject looked up, form rendered, every value generated and framed. */
  generateMs: number;
  /** KafkaService.produce of those messages, every one acknowledged. */
  produceMs: number;
  messages: ProduceMessage[];
  result: ProduceResult;
}

/**
 * Generate + produce `count` messages from `subject` to `topic` as the producer panel's Send does
 * with "Generate test data from the schema subject": the default form (key order-{{seq}}, a
 * header) in subject mode, checked into a plan, rendered up front, each value generated and
 * framed, then produced idempotently (the setting's default), uncompressed, as fast as possible.
 */
export async function generateAndProduce(kafka: KafkaService, cache: SchemaCache, subject: string, topic: string, count: number): Promise<SubjectRun> {
  const form = { ...defaultForm('bench', topic), valueMode: 'subject' as const, subject, subjectVersion: '', count: String(count) };
  const checked = checkProducerForm(form, { partitions: 1, dataTypes: [], compressions: ['none'] });
  if (!checked.ok) throw new Error(`The producer form was refused: ${checked.problems.map((p) => p.message).join('; ')}`);
  const { plan } = checked;
  const started = performance.now();
  if (!plan.schema) throw new Error('The plan has no subject.');
  const schema = await schemaForProduce(cache, plan.schema);
  const messages = compilePlan(plan).renderMany(plan.count).map(generatingEncoder(schema));
  const generated = performance.now();
  const result = await kafka.produce(messages, { topic, idempotent: true, compression: plan.compression, ratePerSecond: plan.ratePerSecond, onProgress: () => undefined });
  const produceMs = performance.now() - generated;
  if (result.sent !== count) throw new Error(`wrote ${result.sent} of ${count} to ${topic}: ${result.errors[0]?.message ?? ''}`);
  return { generateMs: generated - started, produceMs, messages, result };
}
