/**
 * Template rendering speed: 100,000 messages from a simple `*.kafka.json` template
 * (sequence, uuid, time, one faker call, a constant object) and from a faker-heavy one,
 * beside hand-written TypeScript that builds the same messages with the same calls and
 * JSON.stringify (what a producer script would do), in the same run. Prints medians and
 * the ratio. Target: the simple template renders 100,000 messages in well under a second.
 *
 *   node --import tsx bench/kafka-templates.ts [--messages=100000] [--runs=7]
 */
import { randomUUID } from 'node:crypto';
import { createFaker } from '../src/kafka/testData';
import { loadTemplates } from '../src/kafka/templates';
import type { ProduceMessage } from '../src/kafka/types';
import { flag, fmt, loadNote, median } from './lib/kafkaBench';

const MESSAGES = flag('messages', 100_000);
const RUNS = flag('runs', 7);

const SIMPLE = JSON.stringify({
  topic: 'orders',
  key: 'order-{{seq}}',
  headers: { source: 'workbench' },
  value: { id: '{{uuid}}', seq: '{{seq}}', created_at: '{{now}}', customer: '{{faker.person.firstName}}', status: 'created', tags: ['test', 'bench'], shipping: { country: 'NL', express: false } },
  count: MESSAGES,
});

const FAKER_HEAVY = JSON.stringify({
  topic: 'users',
  key: '{{faker.string.uuid}}',
  value: {
    name: '{{faker.person.fullName}}',
    email: '{{faker.internet.email}}',
    city: '{{faker.location.city}}',
    amount: '{{faker.number.float({"min": 1, "max": 500, "fractionDigits": 2})}}',
    bio: '{{faker.lorem.sentence}}',
    seen_at: '{{now}}',
  },
  count: MESSAGES,
});

function handWrittenSimple(count: number): ProduceMessage[] {
  const faker = createFaker();
  const out = new Array<ProduceMessage>(count);
  for (let i = 0; i < count; i++) {
    const seq = i + 1;
    out[i] = {
      key: `order-${seq}`,
      value: JSON.stringify({ id: randomUUID(), seq, created_at: new Date().toISOString(), customer: faker.person.firstName(), status: 'created', tags: ['test', 'bench'], shipping: { country: 'NL', express: false } }),
      headers: { source: 'workbench' },
    };
  }
  return out;
}

function handWrittenFaker(count: number): ProduceMessage[] {
  const faker = createFaker();
  const out = new Array<ProduceMessage>(count);
  for (let i = 0; i < count; i++) {
    out[i] = {
      key: faker.string.uuid(),
      value: JSON.stringify({
        name: faker.person.fullName(),
        email: faker.internet.email(),
        city: faker.location.city(),
        amount: faker.number.float({ min: 1, max: 500, fractionDigits: 2 }),
        bio: faker.lorem.sentence(),
        seen_at: new Date().toISOString(),
      }),
    };
  }
  return out;
}

function time(fn: () => ProduceMessage[]): number {
  const started = performance.now();
  const messages = fn();
  const ms = performance.now() - started;
  if (messages.length !== MESSAGES) throw new Error(`made ${messages.length} messages`);
  return ms;
}

function compare(label: string, template: string, handWritten: (count: number) => ProduceMessage[]): void {
  const [compiled] = loadTemplates(template);
  if (!compiled) throw new Error('no template');
  compiled.renderMany(1000);
  handWritten(1000);
  const ours: number[] = [];
  const reference: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    ours.push(time(() => compiled.renderMany()));
    reference.push(time(() => handWritten(MESSAGES)));
  }
  const o = median(ours);
  const r = median(reference);
  console.log(`${label}: template ${fmt(o)} ms (${fmt((MESSAGES / o) * 1000)} msg/s), hand-written ${fmt(r)} ms, ratio template/hand-written ${fmt(o / r, 2)}`);
}

console.log(`Rendering ${fmt(MESSAGES)} messages, median of ${RUNS} runs (compile not timed; one warm-up each); ${loadNote()}`);
compare('simple template     ', SIMPLE, handWrittenSimple);
compare('faker-heavy template', FAKER_HEAVY, handWrittenFaker);
