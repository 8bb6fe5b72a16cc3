import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileTemplate, loadTemplates, parseTemplateFile, TemplateError } from '../../src/kafka/templates';

const single = `{
  "topic": "orders",
  "key": "{{faker.string.uuid}}",
  "headers": { "source": "workbench", "n": "{{seq}}" },
  "value": {
    "seq": "{{seq}}",
    "label": "order #{{seq}} for {{faker.person.firstName}}",
    "qty": "{{faker.number.int(100)}}",
    "range": "{{faker.number.int({\\"min\\": 5, \\"max\\": 6})}}",
    "pick": "{{faker.helpers.arrayElement([\\"a\\", \\"b\\"])}}",
    "at": "{{now}}",
    "ms": "{{timestamp}}",
    "id": "{{ uuid }}",
    "fixed": [1, true, null, { "deep": "text" }]
  },
  "count": 3
}`;

function parse(text: string) {
  const [t] = loadTemplates(text, { now: () => Date.UTC(2025, 4, 6, 7, 8, 9), seed: 7 });
  assert.ok(t);
  return t;
}

describe('message templates', () => {
  it('renders placeholders; a string that is one placeholder keeps its type', () => {
    const t = parse(single);
    const messages = t.renderMany();
    assert.equal(messages.length, 3);
    const [first, , third] = messages;
    const value = JSON.parse(first?.value as string) as Record<string, unknown>;
    assert.equal(value['seq'], 1);
    assert.match(value['label'] as string, /^order #1 for [A-Z][a-z]+/);
    assert.equal(typeof value['qty'], 'number');
    assert.ok((value['qty'] as number) >= 0 && (value['qty'] as number) <= 100);
    assert.ok([5, 6].includes(value['range'] as number));
    assert.ok(['a', 'b'].includes(value['pick'] as string));
    assert.equal(value['at'], '2025-05-06T07:08:09.000Z');
    assert.equal(value['ms'], Date.UTC(2025, 4, 6, 7, 8, 9));
    assert.match(value['id'] as string, /^[0-9a-f-]{36}$/);
    assert.deepEqual(value['fixed'], [1, true, null, { deep: 'text' }]);
    assert.match(first?.key as string, /^[0-9a-f-]{36}$/);
    assert.deepEqual(first?.headers, { source: 'workbench', n: '1' });
    assert.equal((JSON.parse(third?.value as string) as { seq: number }).seq, 3);
  });

  it('is reproducible with a seed', () => {
    const a = loadTemplates(single, { seed: 5, now: () => 0 })[0]?.renderMany();
    const b = loadTemplates(single, { seed: 5, now: () => 0 })[0]?.renderMany();
    assert.deepEqual(a, b);
  });

  it('sends a string value as its text, not as a JSON string', () => {
    const t = parse('{"topic":"t","value":"hello {{seq}}","key":null}');
    assert.deepEqual(t.render(2), { key: null, value: 'hello 2' });
  });

  it('generates whole objects with {{dataType:...}} and by dataType alone', () => {
    const nested = parse('{"topic":"t","value":{"user":"{{dataType:user}}"}}').render(1);
    const user = (JSON.parse(nested.value as string) as { user: { data_type: string; email: string } }).user;
    assert.equal(user.data_type, 'user');
    assert.match(user.email, /@/);

    const generated = parse('{"topic":"payments","dataType":"payment","count":2}');
    const [m] = generated.renderMany();
    const value = JSON.parse(m?.value as string) as { data_type: string; payment_id: string };
    assert.equal(value.data_type, 'payment');
    assert.equal(m?.key, `payment:${value.payment_id}`);
    assert.deepEqual(m.headers, { data_type: 'payment' });
  });

  it('adds data_type to a value object when the template names a data type', () => {
    const m = parse('{"topic":"t","dataType":"order","value":{"a":1}}').render(1);
    assert.equal(m.value, '{"data_type":"order","a":1}');
    const kept = parse('{"topic":"t","dataType":"order","value":{"data_type":"custom"}}').render(1);
    assert.equal(kept.value, '{"data_type":"custom"}');
  });

  it('reads a list of templates with shared defaults and their positions', () => {
    const text = `{
  "topic": "events",
  "headers": { "source": "file" },
  "messages": [
    { "value": { "a": "{{seq}}" }, "count": 2 },
    { "topic": "other", "value": "x", "partition": 1 }
  ]
}`;
    const parsed = parseTemplateFile(text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.templates.map((t) => [t.topic, t.count, t.partition, t.location.line]), [['events', 2, null, 5], ['other', 1, 1, 6]]);
    const second = compileTemplate(text, parsed.templates[1]!);
    assert.deepEqual(second.render(1), { key: null, value: 'x', headers: { source: 'file' }, partition: 1 });
  });

  it('names an unknown placeholder with its line, column and JSON path', () => {
    const text = '{\n  "topic": "t",\n  "value": { "name": "Hi {{faker.person.fistName}}" }\n}';
    assert.throws(
      () => loadTemplates(text, { fileName: 'people.kafka.json' }),
      (e: unknown) => e instanceof TemplateError && e.message === 'people.kafka.json:3:26: faker.person has no method "fistName". Did you mean "firstName"? (at $.value.name)',
    );
    assert.throws(() => loadTemplates('{"topic":"t","value":"{{sequence}}"}'), /unknown placeholder \{\{sequence\}\}.*Did you mean "seq"\?.*\(at \$\.value\)/);
    assert.throws(() => loadTemplates('{"topic":"t","value":"{{faker.nothing.here}}"}'), /faker has no module "nothing"/);
    assert.throws(() => loadTemplates('{"topic":"t","value":"{{dataType:invoice}}"}'), /unknown data type "invoice"/);
    assert.throws(() => loadTemplates('{"topic":"t","value":"{{faker.number.int(max)}}"}'), /not JSON literals/);
  });

  it('never evaluates code: constructors, prototypes and function-taking helpers are refused', () => {
    for (const expression of [
      'faker.helpers.constructor',
      'faker.constructor.constructor("return process")()',
      'faker.helpers.multiple',
      'faker.helpers.fake("{{person.firstName}}")',
      'faker.string.__proto__',
      'process.exit(1)',
      'require("fs")',
    ]) {
      assert.throws(() => loadTemplates(`{"topic":"t","value":${JSON.stringify(`{{${expression}}}`)}}`), TemplateError, expression);
    }
  });

  it('reports a failure while rendering with the placeholder and the message number', () => {
    const t = parse('{"topic":"t","value":"{{faker.number.int({\\"min\\": 10, \\"max\\": 1})}}"}');
    assert.throws(() => t.render(4), /\{\{faker\.number\.int\(.*\)\}\} failed for message 4/);
  });

  it('checks the template fields with their places', () => {
    const { problems } = parseTemplateFile('{\n "topic": "bad topic",\n "count": 0,\n "partition": -1,\n "dataType": "invoice",\n "colour": 1\n}');
    const messages = problems.map((p) => `${p.line}:${p.path}`);
    assert.deepEqual(messages.sort(), ['1:$', '2:$.topic', '3:$.count', '4:$.partition', '5:$.dataType', '6:$.colour'].sort());
    assert.match(parseTemplateFile('{"topic": }').problems[0]?.message ?? '', /JSON syntax error/);
    assert.match(parseTemplateFile('{"topic":"t"}').problems[0]?.message ?? '', /Give a "value"/);
  });

  it('renders 100,000 messages of a simple template', () => {
    const t = parse('{"topic":"t","key":"{{seq}}","value":{"id":"{{uuid}}","n":"{{seq}}","at":"{{now}}","fixed":{"a":[1,2,3]}},"count":100000}');
    const messages = t.renderMany();
    assert.equal(messages.length, 100_000);
    assert.equal(messages[99_999]?.key, '100000');
  });

  it('ships a JSON schema that documents every field', () => {
    const schema = JSON.parse(readFileSync(new URL('../../media/schemas/kafka-template.schema.json', import.meta.url), 'utf8')) as { properties: Record<string, unknown> };
    for (const field of ['topic', 'key', 'headers', 'value', 'count', 'ratePerSecond', 'partition', 'dataType', 'compression', 'messages']) {
      assert.ok(field in schema.properties, field);
    }
  });
});

describe('message template placeholders with braces in their arguments', () => {
  it('reads object and list arguments and reports an unclosed placeholder', () => {
    const [t] = loadTemplates('{"topic":"t","value":{"n":"{{faker.number.int({\\"min\\": 5, \\"max\\": 5})}}","s":"{{faker.helpers.arrayElement([\\"}}\\"])}}"}}');
    assert.equal(t?.render(1).value, '{"n":5,"s":"}}"}');
    assert.throws(() => loadTemplates('{"topic":"t","value":"x {{seq"}'), /not closed with "\}\}"/);
  });
});

describe('templates that name a schema subject', () => {
  it('take a subject and version; without a value they send test data generated from it', () => {
    const parsed = parseTemplateFile('{ "topic": "orders", "subject": "orders-value", "subjectVersion": 2, "count": 5 }');
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.templates[0]?.subject, { subject: 'orders-value', version: 2 });
    const latest = parseTemplateFile('{ "topic": "orders", "subject": "orders-value", "value": { "id": "{{seq}}" } }');
    assert.deepEqual(latest.templates[0]?.subject, { subject: 'orders-value', version: 'latest' });
  });

  it('say what is wrong with a version that is not one', () => {
    const parsed = parseTemplateFile('{ "topic": "orders", "subject": "orders-value", "subjectVersion": "newest" }');
    assert.match(parsed.problems[0]?.message ?? '', /"subjectVersion" must be a version number from 1 or "latest"/);
  });
});
