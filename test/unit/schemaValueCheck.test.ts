import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTree } from 'jsonc-parser/lib/esm/main.js';
import { compileSchema } from '../../src/schemas/serdesBundle';
import { fieldSuggestions, formatValueProblem, rangeOfPointer, valueSuggestions, type JsonSchemaObject } from '../../src/schemas/valueCheck';
import { subjectTemplates, templateValueProblems, valuePlaceAt, type SubjectCheck } from '../../src/schemas/templateSubjects';

const noReferences = (): Promise<never> => Promise.reject(new Error('no references here'));

const CUSTOMER = JSON.stringify({
  type: 'record', name: 'Customer', namespace: 'shop',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['GOLD', 'SILVER'] } },
    { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'street', type: 'string' }, { name: 'zip', type: 'int' }] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' }, default: [] },
  ],
});

async function customer(): Promise<SubjectCheck> {
  const serde = await compileSchema({ schemaType: 'AVRO', schema: CUSTOMER }, noReferences);
  return { label: 'customers-value v1', problems: (v) => serde.problems(v), jsonSchema: () => serde.jsonSchema() };
}

/** The text a range of `text` covers. */
function at(text: string, range: { offset: number; length: number }): string {
  return text.slice(range.offset, range.offset + range.length);
}

describe('schema value check: problems name the field by its JSON Pointer', () => {
  it('a wrong type, a missing field, an unknown enum symbol and an extra field each say where', async () => {
    const check = await customer();
    const problems = check.problems({ id: 'c1', tier: 'BRONZE', address: { street: 'Main', zip: '12A' }, extra: 1 }).map(formatValueProblem);
    assert.ok(problems.includes('/address/zip: must be integer'), problems.join('\n'));
    assert.ok(problems.includes('/tier: must be one of ["GOLD","SILVER"]'), problems.join('\n'));
    assert.ok(problems.includes('(value): has no field "extra" in the schema'), problems.join('\n'));
    const missing = check.problems({ id: 'c1', tier: 'GOLD', address: { street: 'Main' } }).map(formatValueProblem);
    assert.deepEqual(missing, ['/address: must have the field "zip"']);
  });

  it('a union says its branches once, not one line per branch and a summary', async () => {
    const check = await customer();
    const problems = check.problems({ id: 'c1', tier: 'GOLD', address: { street: 'a', zip: 1 }, note: 5 }).map(formatValueProblem);
    assert.deepEqual(problems, ['/note: must be null or string']);
  });

  it('a value that fits has no problems', async () => {
    const check = await customer();
    assert.deepEqual(check.problems({ id: 'c1', tier: 'GOLD', address: { street: 'a', zip: 1 }, note: null, tags: ['x'] }), []);
  });
});

describe('schema value check: a pointer found in the text', () => {
  const text = '{\n  "id": "c1",\n  "address": { "street": "Main", "zip": "12A" },\n  "extra": 1,\n  "a/b": [10, 20]\n}';
  const root = parseTree(text);
  assert.ok(root);

  it('marks a leaf whole, an object by its key, an extra field by its key, the whole value by its first character', () => {
    assert.equal(at(text, rangeOfPointer(root, '/address/zip')), '"12A"');
    assert.equal(at(text, rangeOfPointer(root, '/address')), '"address"');
    assert.equal(at(text, rangeOfPointer(root, '', 'extra')), '"extra"');
    assert.equal(at(text, rangeOfPointer(root, '')), '{');
  });

  it('reads escaped tokens and list indexes; a pointer beyond the text marks the deepest node it reaches', () => {
    assert.equal(at(text, rangeOfPointer(root, '/a~1b/1')), '20');
    assert.equal(at(text, rangeOfPointer(root, '/address/zip/deeper')), '"12A"');
    assert.equal(at(text, rangeOfPointer(root, '/nothing/here')), '{');
  });
});

describe('schema value check: completion from the derived JSON Schema', () => {
  it('suggests the fields of nested records with their types, without those present, and enum symbols and null at values', async () => {
    const schema: JsonSchemaObject = (await customer()).jsonSchema();
    const top = fieldSuggestions(schema, [], ['id']);
    assert.deepEqual(top.map((f) => f.name), ['tier', 'address', 'note', 'tags']);
    assert.deepEqual(top.map((f) => f.detail), ['enum "GOLD" | "SILVER"', 'shop.Address', 'null | string', 'string[]']);
    assert.deepEqual(top.map((f) => f.required), [true, true, false, false]);
    assert.deepEqual(fieldSuggestions(schema, ['address']).map((f) => `${f.name}: ${f.detail}`), ['street: string', 'zip: integer']);
    assert.deepEqual(valueSuggestions(schema, ['tier']), ['GOLD', 'SILVER']);
    assert.deepEqual(valueSuggestions(schema, ['note']), [null]);
    assert.deepEqual(fieldSuggestions(schema, ['nothing']), []);
  });
});

describe('template files that name a subject', () => {
  const file = [
    '{',
    '  "topic": "customers",',
    '  "subject": "customers-value",',
    '  "value": { "id": "c-{{seq}}", "tier": "GOLD", "address": { "street": "{{faker.location.street}}", "zip": "{{faker.location.street}}" } }',
    '}',
  ].join('\n');

  it('checks message 1 as rendered (placeholders count as what they become) and marks the field in the template', async () => {
    const [entry] = subjectTemplates(file);
    assert.ok(entry);
    assert.deepEqual(entry.subject, { subject: 'customers-value', version: 'latest' });
    assert.equal(at(file, entry.subjectRange), '"customers-value"');
    const problems = templateValueProblems(file, entry, await customer());
    assert.deepEqual(problems.map((p) => p.message), ['/address/zip: must be integer (customers-value v1)']);
    assert.equal(at(file, problems[0] as { offset: number; length: number }), '"{{faker.location.street}}"');
    assert.equal(file.slice(0, problems[0]?.offset).split('\n').length, 4);
  });

  it('a value whose placeholders render to the right types has no problems', async () => {
    const good = file.replace('"zip": "{{faker.location.street}}"', '"zip": "{{faker.number.int(99999)}}"');
    const [entry] = subjectTemplates(good);
    assert.ok(entry);
    assert.deepEqual(templateValueProblems(good, entry, await customer()), []);
  });

  it('a list of templates: each names its own subject and version', () => {
    const list = '{ "topic": "t", "messages": [ { "value": 1 }, { "subject": "s-value", "subjectVersion": 2, "value": { "a": 1 } } ] }';
    const entries = subjectTemplates(list);
    assert.deepEqual(entries.map((e) => [e.template.index, e.subject]), [[1, { subject: 's-value', version: 2 }]]);
  });

  it('finds where the cursor is in a half-typed value: the subject, the object path and the fields present', () => {
    const typing = '{ "topic": "c", "subject": "customers-value", "value": { "id": "x", "address": { "street": "a", "" } } }';
    const place = valuePlaceAt(typing, typing.indexOf('"" }') + 1);
    assert.deepEqual(place, { subject: { subject: 'customers-value', version: 'latest' }, path: ['address'], atKey: true, present: ['street'], replace: { offset: typing.indexOf('"" }'), length: 2 } });
    const atValue = '{ "subject": "customers-value", "subjectVersion": 3, "value": { "tier": "" } }';
    assert.deepEqual(valuePlaceAt(atValue, atValue.indexOf('""') + 1), { subject: { subject: 'customers-value', version: 3 }, path: ['tier'], atKey: false, present: [], replace: { offset: atValue.indexOf('""'), length: 2 } });
    const inList = '{ "topic": "c", "messages": [ { "subject": "s", "value": { } } ] }';
    assert.deepEqual(valuePlaceAt(inList, inList.indexOf('{ }') + 1), { subject: { subject: 's', version: 'latest' }, path: [], atKey: true, present: [] });
    assert.equal(valuePlaceAt(inList, inList.indexOf('"topic"') + 2), undefined, 'outside a value: nothing');
    // A key typed before the next field, without its colon yet: the fields after it still count as present.
    const between = '{ "subject": "s", "value": {\n "id": "c",\n ""\n "address": { "street": "a", "zip": 1 }\n } }';
    assert.deepEqual(valuePlaceAt(between, between.indexOf('""') + 1)?.present, ['id', 'address']);
    const noSubject = '{ "topic": "c", "value": { "" } }';
    assert.equal(valuePlaceAt(noSubject, noSubject.indexOf('""') + 1), undefined, 'no subject: nothing');
  });
});
