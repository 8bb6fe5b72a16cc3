/**
 * Test data from a subject: values in the JSON form of a schema (see serdesBundle.ts), made
 * from the JSON Schema the serde derives, so Avro, Protobuf and JSON Schema subjects are
 * served by one generator. Values respect types and ranges, enums, logical types (decimal with
 * its precision and scale, timestamps, dates, uuids), unions (one branch picked, null less
 * often), nested records and maps, and Protobuf oneofs (exactly one member set). Strings whose
 * field name says what they hold (email, name, city, ...) come from faker.
 *
 * The schema is compiled once into a function, so each value costs a walk of small closures:
 * generating is not what limits producing 100,000 messages a second. Pure apart from the
 * random source (seedable).
 */
import type { Faker } from '@faker-js/faker';
import { createFaker } from '../kafka/testData';
import { isoTime } from './isoTime';

type Schema = Record<string, unknown>;
type Make = () => unknown;

/** A small fast random source (mulberry32), seedable for tests. */
export function randomSource(seed = Date.now() >>> 0): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratorOptions {
  seed?: number;
  /** Most items of an array and entries of a map (default 3). */
  maxItems?: number;
}

const FAKER_STRINGS: [RegExp, (f: Faker) => string][] = [
  [/e-?mail/i, (f) => f.internet.email()],
  [/first_?name/i, (f) => f.person.firstName()],
  [/last_?name|surname/i, (f) => f.person.lastName()],
  [/name$/i, (f) => f.person.fullName()],
  [/city/i, (f) => f.location.city()],
  [/country/i, (f) => f.location.country()],
  [/street|address/i, (f) => f.location.streetAddress()],
  [/phone/i, (f) => f.phone.number()],
  [/url|link/i, (f) => f.internet.url()],
  [/currency/i, (f) => f.finance.currencyCode()],
  [/sku|product/i, (f) => f.commerce.productName()],
  [/comment|note|description|text/i, (f) => f.lorem.sentence()],
];

/** Faker values made per string field, picked from at random. */
const FAKER_POOL = 500;

/** The two hex digits of each byte value, and the hex digit of each nibble. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const NIBBLE = '0123456789abcdef';
const VARIANT = '89ab';

/**
 * A random version 4 UUID (RFC 9562: version nibble 4, variant bits 10) from four 32-bit
 * draws, spelled through the tables above: no toString(16) or slicing per value.
 */
function randomUuid(random: () => number): string {
  const a = Math.floor(random() * 4294967296);
  const b = Math.floor(random() * 4294967296);
  const c = Math.floor(random() * 4294967296);
  const d = Math.floor(random() * 4294967296);
  return `${HEX[a >>> 24] as string}${HEX[(a >>> 16) & 0xff] as string}${HEX[(a >>> 8) & 0xff] as string}${HEX[a & 0xff] as string}`
    + `-${HEX[b >>> 24] as string}${HEX[(b >>> 16) & 0xff] as string}`
    + `-4${NIBBLE[(b >>> 8) & 0xf] as string}${HEX[b & 0xff] as string}`
    + `-${VARIANT[c >>> 30] as string}${NIBBLE[(c >>> 24) & 0xf] as string}${HEX[(c >>> 16) & 0xff] as string}`
    + `-${HEX[(c >>> 8) & 0xff] as string}${HEX[c & 0xff] as string}${HEX[d >>> 24] as string}${HEX[(d >>> 16) & 0xff] as string}${HEX[(d >>> 8) & 0xff] as string}${HEX[d & 0xff] as string}`;
}

/** Compiles a JSON Schema (with $defs and local $refs) into a value maker. */
export function compileGenerator(root: Schema, options: GeneratorOptions = {}): Make {
  const random = randomSource(options.seed);
  const maxItems = options.maxItems ?? 3;
  const faker = createFaker(options.seed ?? Math.floor(random() * 2 ** 31));
  const defs = (root['$defs'] ?? root['definitions'] ?? {}) as Record<string, Schema>;
  const made = new Map<string, Make>();
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // A recursive schema (a tree of records) ends: past this depth, optional branches are null and arrays empty.
  let depth = 0;

  const stringOf = (schema: Schema, name: string): Make => {
    const decimal = schema['x-decimal'] as { precision: number; scale: number } | undefined;
    if (decimal) {
      const intDigits = Math.max(1, Math.min(decimal.precision - decimal.scale, 12));
      return () => {
        const whole = String(int(0, 10 ** Math.min(intDigits, 9) - 1));
        const fraction = decimal.scale > 0 ? `.${String(int(0, 10 ** Math.min(decimal.scale, 9) - 1)).padStart(decimal.scale, '0')}` : '';
        return `${random() < 0.1 ? '-' : ''}${whole}${fraction}`;
      };
    }
    const format = schema['format'];
    const description = typeof schema['description'] === 'string' ? schema['description'] : '';
    if (format === 'date-time') {
      const micros = description.includes('micros');
      return () => {
        const ms = Date.now() - int(0, 30 * 86_400_000);
        const iso = isoTime(ms);
        return micros ? iso.replace('Z', `${String(int(0, 999)).padStart(3, '0')}Z`) : iso;
      };
    }
    if (format === 'date') return () => new Date(Date.now() - int(0, 3650) * 86_400_000).toISOString().slice(0, 10);
    if (format === 'uuid') return () => randomUuid(random);
    if (schema['contentEncoding'] === 'base64') {
      // An Avro fixed has exactly its size; other bytes 1 to 8.
      const size = typeof schema['x-fixed-size'] === 'number' ? schema['x-fixed-size'] : undefined;
      return () => Buffer.from(Array.from({ length: size ?? int(1, 8) }, () => int(0, 255))).toString('base64');
    }
    if (typeof schema['pattern'] === 'string' && /^\^-?\??\\d\+\$$/.test(schema['pattern'].replace('(', '').replace(')', ''))) return () => String(int(0, 1_000_000));
    const fromFaker = FAKER_STRINGS.find(([test]) => test.test(name));
    if (fromFaker) {
      // Faker takes microseconds a value: a pool made once keeps generating fast.
      const make = fromFaker[1];
      const pool = Array.from({ length: FAKER_POOL }, () => make(faker));
      return () => pick(pool);
    }
    const minLength = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
    return () => {
      const text = `${name || 'text'}-${int(1, 99_999)}`;
      return text.length >= minLength ? text : text.padEnd(minLength, 'x');
    };
  };

  const compile = (schema: Schema | boolean | undefined, name: string): Make => {
    if (schema === undefined || schema === true || schema === false) return () => null;
    const ref = schema['$ref'];
    if (typeof ref === 'string') {
      const key = ref.replace(/^#\/(\$defs|definitions)\//, '');
      const target = defs[key];
      if (!target) return () => null;
      return () => {
        let make = made.get(key);
        if (!make) {
          made.set(key, () => null);
          make = compile(target, name);
          made.set(key, make);
        }
        depth++;
        try {
          return make();
        } finally {
          depth--;
        }
      };
    }
    if ('const' in schema) return () => schema['const'];
    const enumValues = schema['enum'];
    if (Array.isArray(enumValues) && enumValues.length > 0) return () => pick(enumValues as unknown[]);
    const branches = (schema['anyOf'] ?? schema['oneOf']) as Schema[] | undefined;
    if (Array.isArray(branches) && branches.length > 0) {
      const makers = branches.map((b) => compile(b, name));
      const nullIndex = branches.findIndex((b) => b['type'] === 'null');
      return () => {
        if (nullIndex >= 0 && (random() < 0.2 || depth > 4)) return null;
        const choices = makers.filter((_, i) => i !== nullIndex);
        return pick(choices.length > 0 ? choices : makers)();
      };
    }
    let type = schema['type'];
    if (Array.isArray(type)) type = pick(type.filter((t) => t !== 'null').length > 0 ? type.filter((t) => t !== 'null') : type);
    switch (type) {
      case 'null': return () => null;
      case 'boolean': return () => random() < 0.5;
      case 'integer': {
        const min = typeof schema['minimum'] === 'number' ? Math.max(schema['minimum'], -1_000_000) : 0;
        const max = typeof schema['maximum'] === 'number' ? Math.min(schema['maximum'], 1_000_000) : 100_000;
        return () => int(min, max);
      }
      case 'number': return () => Math.round(random() * 100_000) / 100;
      case 'string': return stringOf(schema, name);
      case 'array': {
        const item = compile(schema['items'] as Schema | undefined, name);
        return () => Array.from({ length: depth > 4 ? 0 : int(1, maxItems) }, item);
      }
      case 'object': {
        const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
        const names = Object.keys(properties);
        if (names.length === 0 && typeof schema['additionalProperties'] === 'object') {
          const value = compile(schema['additionalProperties'] as Schema, name);
          return () => Object.fromEntries(Array.from({ length: depth > 4 ? 0 : int(1, maxItems) }, (_, i) => [`${name || 'key'}${i + 1}`, value()]));
        }
        const oneofs = (schema['x-oneofs'] ?? []) as string[][];
        const inOneof = new Set(oneofs.flat());
        const makers = names.map((n) => [n, compile(properties[n], n)] as const);
        if (oneofs.length === 0) {
          // Most records (every Avro one): each field once, without the oneof bookkeeping per value.
          const fieldNames = makers.map(([n]) => n);
          const fieldMakers = makers.map(([, make]) => make);
          const count = fieldNames.length;
          return () => {
            const out: Record<string, unknown> = {};
            for (let i = 0; i < count; i++) out[fieldNames[i] as string] = (fieldMakers[i] as Make)();
            return out;
          };
        }
        return () => {
          const out: Record<string, unknown> = {};
          const chosen = new Set(oneofs.map((members) => pick(members)));
          for (const [n, make] of makers) if (!inOneof.has(n) || chosen.has(n)) out[n] = make();
          return out;
        };
      }
      default: return () => null;
    }
  };
  return compile(root, '');
}
