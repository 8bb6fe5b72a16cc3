/**
 * The Confluent wire format of a schema'd key or value, parsed without any codec: a magic
 * byte 0, the schema id as 4 bytes big-endian, for Protobuf the message indexes (a zig-zag
 * varint count, then that many zig-zag varint indexes; the single byte 0 stands for [0]),
 * then the payload. The parse says where each part lies (byte ranges for the inspector's byte
 * view) or why the bytes are not in the format: too short, another magic byte. Whether the
 * bytes are really in the format (and not bytes that only look like it) is known only once
 * the schema id is looked up and the payload decodes; see describeLookAlike. Pure.
 */

/** The magic byte of the Confluent wire format. */
export const WIRE_MAGIC = 0;
/** Magic byte and schema id. */
export const WIRE_HEADER_BYTES = 5;

export type WirePartName = 'magic' | 'schemaId' | 'indexes' | 'payload';

/** One marked part of the bytes: [from, to) and what it is. */
export interface WireRange {
  part: WirePartName;
  from: number;
  to: number;
  /** What the byte view writes beside the bytes, e.g. "schema id 7". */
  label: string;
}

export type WireParse =
  | { ok: true; schemaId: number; payloadStart: number; ranges: WireRange[] }
  | { ok: false; reason: string };

export type IndexParse =
  | { ok: true; indexes: number[]; payloadStart: number; range: WireRange }
  | { ok: false; reason: string };

/** True when the bytes may be in the wire format: at least 5 bytes starting with the magic byte 0. Cheap, for every record. */
export function mayBeWireFormat(bytes: Uint8Array | null | undefined): boolean {
  return bytes !== null && bytes !== undefined && bytes.length >= WIRE_HEADER_BYTES && bytes[0] === WIRE_MAGIC;
}

/** The magic byte and schema id of `bytes`, or why they are not in the wire format. */
export function parseWireHeader(bytes: Uint8Array): WireParse {
  if (bytes.length === 0) return { ok: false, reason: 'The bytes are empty: there is no magic byte or schema id.' };
  if (bytes[0] !== WIRE_MAGIC) {
    return { ok: false, reason: `The first byte is 0x${(bytes[0] as number).toString(16).padStart(2, '0')}, not the magic byte 0x00 of the Confluent wire format.` };
  }
  if (bytes.length < WIRE_HEADER_BYTES) {
    return { ok: false, reason: `Truncated: ${bytes.length} byte${bytes.length === 1 ? '' : 's'}, but the wire format needs at least 5 (magic byte and a 4-byte schema id).` };
  }
  const schemaId = (((bytes[1] as number) << 24) >>> 0) + ((bytes[2] as number) << 16) + ((bytes[3] as number) << 8) + (bytes[4] as number);
  return {
    ok: true,
    schemaId,
    payloadStart: WIRE_HEADER_BYTES,
    ranges: [
      { part: 'magic', from: 0, to: 1, label: 'magic byte 0' },
      { part: 'schemaId', from: 1, to: 5, label: `schema id ${schemaId}` },
      { part: 'payload', from: 5, to: bytes.length, label: `payload, ${bytes.length - 5} bytes` },
    ],
  };
}

/** Reads one zig-zag varint (at most 5 bytes, a 32-bit value) at `at`; undefined when the bytes end first or it is longer. */
function readZigZag(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  let result = 0;
  let shift = 0;
  for (let i = at; i < bytes.length && i < at + 5; i++) {
    const b = bytes[i] as number;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      const unsigned = result >>> 0;
      return { value: (unsigned >>> 1) ^ -(unsigned & 1), next: i + 1 };
    }
    shift += 7;
  }
  return undefined;
}

/** Most message indexes accepted (a nesting deeper than this is not a real schema). */
const MAX_INDEXES = 64;

/** The Protobuf message indexes after the 5-byte header, e.g. [0] or [1, 0]. */
export function parseMessageIndexes(bytes: Uint8Array, at = WIRE_HEADER_BYTES): IndexParse {
  const count = readZigZag(bytes, at);
  if (!count) return { ok: false, reason: 'Truncated: the Protobuf message indexes end before the message does.' };
  if (count.value === 0) {
    return { ok: true, indexes: [0], payloadStart: count.next, range: { part: 'indexes', from: at, to: count.next, label: 'message indexes [0] (one byte 0)' } };
  }
  if (count.value < 0 || count.value > MAX_INDEXES) {
    return { ok: false, reason: `The Protobuf message index count reads ${count.value}: these bytes are not a Protobuf message in the wire format.` };
  }
  const indexes: number[] = [];
  let next = count.next;
  for (let i = 0; i < count.value; i++) {
    const index = readZigZag(bytes, next);
    if (!index) return { ok: false, reason: 'Truncated: the Protobuf message indexes end before the message does.' };
    if (index.value < 0) return { ok: false, reason: `A Protobuf message index reads ${index.value}: these bytes are not a Protobuf message in the wire format.` };
    indexes.push(index.value);
    next = index.next;
  }
  return { ok: true, indexes, payloadStart: next, range: { part: 'indexes', from: at, to: next, label: `message indexes [${indexes.join(', ')}]` } };
}

/** The ranges of a Protobuf message: magic, id, indexes, payload. */
export function protobufRanges(header: Extract<WireParse, { ok: true }>, indexes: Extract<IndexParse, { ok: true }>, length: number): WireRange[] {
  return [
    ...header.ranges.filter((r) => r.part !== 'payload'),
    indexes.range,
    { part: 'payload', from: indexes.payloadStart, to: length, label: `payload, ${length - indexes.payloadStart} bytes` },
  ];
}

function zigZagBytes(value: number, out: number[]): void {
  let n = ((value << 1) ^ (value >> 31)) >>> 0;
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}

/** The 5-byte header (and for Protobuf the indexes, [0] as the single byte 0) before a payload. */
export function wirePrefix(schemaId: number, indexes?: readonly number[]): Uint8Array {
  const out = [WIRE_MAGIC, (schemaId >>> 24) & 0xff, (schemaId >>> 16) & 0xff, (schemaId >>> 8) & 0xff, schemaId & 0xff];
  if (indexes) {
    if (indexes.length === 1 && indexes[0] === 0) out.push(0);
    else {
      zigZagBytes(indexes.length, out);
      for (const index of indexes) zigZagBytes(index, out);
    }
  }
  return Uint8Array.from(out);
}

/** The message framed in the wire format: prefix then payload. */
export function frame(schemaId: number, payload: Uint8Array, indexes?: readonly number[]): Buffer {
  if (indexes === undefined || (indexes.length === 1 && indexes[0] === 0)) {
    // Avro, JSON Schema and Protobuf's first message: the header written in place.
    const head = indexes === undefined ? WIRE_HEADER_BYTES : WIRE_HEADER_BYTES + 1;
    const out = Buffer.allocUnsafe(head + payload.length);
    out[0] = WIRE_MAGIC;
    out.writeUInt32BE(schemaId >>> 0, 1);
    if (indexes !== undefined) out[WIRE_HEADER_BYTES] = 0;
    out.set(payload, head);
    return out;
  }
  const prefix = wirePrefix(schemaId, indexes);
  const out = Buffer.allocUnsafe(prefix.length + payload.length);
  out.set(prefix, 0);
  out.set(payload, prefix.length);
  return out;
}

/** Why bytes that begin like the wire format were not decoded, once the lookup or decode failed. */
export function describeLookAlike(schemaId: number, cause: string): string {
  return `The bytes begin like the Confluent wire format (magic byte 0, schema id ${schemaId}) but ${cause}`;
}

/** A one-line hex of bytes [from, to), for the byte view's parts: `00 00 00 00 07`. */
export function hexOf(bytes: Uint8Array, from: number, to: number, limit = 4096): string {
  const end = Math.min(to, from + limit);
  const parts: string[] = [];
  for (let i = from; i < end; i++) parts.push((bytes[i] as number).toString(16).padStart(2, '0'));
  return `${parts.join(' ')}${to > end ? ` … (${to - end} more bytes)` : ''}`;
}
