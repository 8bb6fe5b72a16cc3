/**
 * The two Kafka requests that answer for many consumer groups at once, which kafkajs 2.2 does
 * not speak: FindCoordinator v4 (KIP-699) and OffsetFetch v8 (KIP-709), both Kafka 3.0+. With
 * them the groups of the Kafka view cost one request each instead of one per group (1,000
 * groups: 2 requests instead of 2,000). Pure byte work, no kafkajs: the bodies are sent over
 * kafkajs's connection by src/kafka/clusterReads.ts.
 *
 * Both are "flexible" versions (KIP-482): compact strings and arrays (lengths as unsigned
 * varints, plus one), and a tag buffer after each structure. kafkajs writes request header
 * v1, which lacks the tag buffer of header v2, so each body starts with that empty buffer; it
 * reads the correlation id of the answer and leaves the response header's tag buffer in front
 * of the body, so each decoder skips it first.
 */

/** FindCoordinator's key type for consumer groups. */
const GROUP_KEY_TYPE = 0;

/** Bytes of a request body, written in order. */
class Writer {
  private readonly parts: Buffer[] = [];

  uvarint(value: number): this {
    const bytes: number[] = [];
    let rest = value >>> 0;
    while (rest >= 0x80) {
      bytes.push((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    bytes.push(rest);
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  int8(value: number): this {
    const b = Buffer.allocUnsafe(1);
    b.writeInt8(value, 0);
    this.parts.push(b);
    return this;
  }

  int32(value: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(value, 0);
    this.parts.push(b);
    return this;
  }

  compactString(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    this.uvarint(bytes.length + 1);
    this.parts.push(bytes);
    return this;
  }

  /** A compact array, or null (length 0) when `items` is null. */
  compactArray<T>(items: readonly T[] | null, write: (item: T) => void): this {
    if (items === null) return this.uvarint(0);
    this.uvarint(items.length + 1);
    for (const item of items) write(item);
    return this;
  }

  /** An empty tag buffer. */
  noTags(): this {
    return this.uvarint(0);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Reads an answer's body; a cut-off or malformed answer throws a sentence naming the request. */
class Reader {
  private at = 0;

  constructor(private readonly raw: Buffer, private readonly what: string) {}

  private need(bytes: number): void {
    if (this.at + bytes > this.raw.length) throw new Error(`The ${this.what} answer of ${this.raw.length} bytes is cut off at byte ${this.at}`);
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const byte = this.raw[this.at++] as number;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
    }
    throw new Error(`The ${this.what} answer has a varint longer than 5 bytes at byte ${this.at}`);
  }

  int16(): number {
    this.need(2);
    const value = this.raw.readInt16BE(this.at);
    this.at += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.raw.readInt32BE(this.at);
    this.at += 4;
    return value;
  }

  /** A 64-bit offset as a decimal string, as kafkajs gives offsets. */
  int64(): string {
    this.need(8);
    const value = this.raw.readBigInt64BE(this.at);
    this.at += 8;
    return value.toString();
  }

  compactNullableString(): string | null {
    const length = this.uvarint();
    if (length === 0) return null;
    this.need(length - 1);
    const value = this.raw.toString('utf8', this.at, this.at + length - 1);
    this.at += length - 1;
    return value;
  }

  compactString(): string {
    return this.compactNullableString() ?? '';
  }

  compactArray<T>(read: () => T): T[] {
    const length = this.uvarint();
    const items: T[] = [];
    for (let i = 1; i < length; i++) items.push(read());
    return items;
  }

  /** Skips a tag buffer: tagged fields this code does not use. */
  skipTags(): void {
    for (let count = this.uvarint(); count > 0; count--) {
      this.uvarint();
      const size = this.uvarint();
      this.need(size);
      this.at += size;
    }
  }
}

/** One group's coordinator as FindCoordinator v4 names it (errorCode 0), or why it could not. */
export interface FoundCoordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

/** FindCoordinator v4 for the coordinators of `groupIds`. */
export function encodeFindCoordinatorsV4(groupIds: readonly string[]): Buffer {
  const w = new Writer().noTags(); // request header v2's tag buffer
  w.int8(GROUP_KEY_TYPE).compactArray(groupIds, (id) => { w.compactString(id); });
  return w.noTags().toBuffer();
}

export function decodeFindCoordinatorsV4(raw: Buffer): { throttleTimeMs: number; coordinators: FoundCoordinator[] } {
  const r = new Reader(raw, 'FindCoordinator v4');
  r.skipTags(); // response header v1's tag buffer
  const throttleTimeMs = r.int32();
  const coordinators = r.compactArray((): FoundCoordinator => {
    const found = { key: r.compactString(), nodeId: r.int32(), host: r.compactString(), port: r.int32(), errorCode: r.int16(), errorMessage: r.compactNullableString() };
    r.skipTags();
    return found;
  });
  r.skipTags();
  return { throttleTimeMs, coordinators };
}

/** A group's committed offsets as OffsetFetch gives them: -1 where a listed partition has none. */
export interface FetchedGroupOffsets {
  groupId: string;
  errorCode: number;
  topics: { topic: string; partitions: { partition: number; offset: string; errorCode: number }[] }[];
}

/**
 * OffsetFetch v8 for the committed offsets of `groups` (all coordinated by the broker it is
 * sent to); `topics: null` asks for every topic the group committed on.
 */
export function encodeOffsetFetchV8(groups: readonly { groupId: string; topics: { topic: string; partitions: number[] }[] | null }[]): Buffer {
  const w = new Writer().noTags(); // request header v2's tag buffer
  w.compactArray(groups, (group) => {
    w.compactString(group.groupId);
    w.compactArray(group.topics, (topic) => {
      w.compactString(topic.topic);
      w.compactArray(topic.partitions, (partition) => { w.int32(partition); });
      w.noTags();
    });
    w.noTags();
  });
  w.int8(0); // require_stable: false (pending transactional commits do not hold the answer)
  return w.noTags().toBuffer();
}

export function decodeOffsetFetchV8(raw: Buffer): { throttleTimeMs: number; groups: FetchedGroupOffsets[] } {
  const r = new Reader(raw, 'OffsetFetch v8');
  r.skipTags(); // response header v1's tag buffer
  const throttleTimeMs = r.int32();
  const groups = r.compactArray((): FetchedGroupOffsets => {
    const groupId = r.compactString();
    const topics = r.compactArray(() => {
      const topic = r.compactString();
      const partitions = r.compactArray(() => {
        const partition = r.int32();
        const offset = r.int64();
        r.int32(); // committed leader epoch
        r.compactNullableString(); // metadata
        const errorCode = r.int16();
        r.skipTags();
        return { partition, offset, errorCode };
      });
      r.skipTags();
      return { topic, partitions };
    });
    const errorCode = r.int16();
    r.skipTags();
    return { groupId, errorCode, topics };
  });
  r.skipTags();
  return { throttleTimeMs, groups };
}
