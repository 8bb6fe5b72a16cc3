/**
 * Where the Message Inspector's rows come from. The panel (src/panels/inspectorPanel.ts)
 * speaks only to this interface, so the same table, filter, detail pane and export work over
 * a Kafka topic (KafkaInspectorSource: KafkaService.browse into a bounded host-side buffer)
 * and, later, over message-history rows in PostgreSQL (a source whose rows() pages with
 * keyset SQL and whose records come from MessageHistoryStore via rowAsKafkaRecord). Both
 * sources fill a MessageBuffer in the background; what they share (the buffer, listeners,
 * state, filter, pages, records, the status line's common parts) is BufferedInspectorSource.
 * Pure TypeScript: no vscode, so sources are tested and benchmarked without an editor.
 */
import { SECTION, SettingKey } from '../config/settings.keys';
import { decodeBytes, hexDump, type DecodedBytes } from '../kafka/decode';
import { DEFAULT_BUFFER_LIMITS, MessageBuffer, type WhenFull } from '../kafka/messageBuffer';
import type { KafkaRecord } from '../kafka/types';
import type {
  InspectorContent,
  InspectorDetail,
  InspectorFilter,
  InspectorOptions,
  InspectorPipeline,
  InspectorRow,
  InspectorSchemaCell,
  InspectorState,
  InspectorWireView,
  InspectorStatus,
} from '../shared/protocol';
import { formatBytes, formatCount } from '../kafka/presentation';
import type { WirePart, WireRow } from '../schemas/wireRecords';
import { hexOf } from '../schemas/wire';

/** The setting that bounds the inspector's memory, as the status line names it. */
export const MEMORY_SETTING = `${SECTION}.${SettingKey.kafkaInspectorMemoryMB}`;

/** What the panel shows about a source. */
export interface InspectorSourceDescription {
  kind: 'kafka' | 'history';
  title: string;
  subtitle: string;
  /** Partitions the user can choose from. */
  partitions: number[];
  /** Whether a row can be copied into the producer form (it has a topic to write to). */
  canProduceAgain: boolean;
}

export interface InspectorSource {
  /** Title, partitions, abilities; may ask the server (the topic's partitions). */
  describe(): Promise<InspectorSourceDescription>;
  /**
   * Starts reading with `options` in the background, replacing what was read before. Throws
   * a WorkbenchError at once for options it cannot use; later failures show in status().
   */
  start(options: InspectorOptions): void;
  /** Stops reading; what was read stays. */
  stop(): void;
  status(): InspectorStatus;
  /** Calls `listener` whenever the status may have changed (new rows, state); returns the unsubscribe. */
  onDidChange(listener: () => void): () => void;
  /** Applies a filter; the returned generation tells the webview that row positions changed. */
  setFilter(filter: InspectorFilter): { matched: number; generation: number };
  /** Rows [from, to) of the filtered view. */
  rows(from: number, to: number): { rows: InspectorRow[]; matched: number; generation: number };
  /** One record by its id (from a row), or undefined when it is gone. */
  record(id: number): KafkaRecord | undefined;
  /** Records for export: the given ids, or every record that passes the filter, in view order. */
  records(ids: readonly number[] | 'filtered'): Iterable<KafkaRecord>;
  /** The runs and dataset event of one record (history rows only); undefined for Kafka records. */
  pipeline?(id: number): InspectorPipeline | undefined;
  /** The wire-format facts of one record whose key or value is schema'd; undefined otherwise. */
  wire?(id: number): WireRow | undefined;
  dispose(): void;
}

/** Longest text or hex dump the detail pane receives; the rest is counted, not sent. */
export const DETAIL_TEXT_LIMIT = 1024 * 1024;

function toContent(decoded: DecodedBytes): InspectorContent {
  const cut = (text: string | undefined): string | null => (text === undefined ? null : text.length > DETAIL_TEXT_LIMIT ? text.slice(0, DETAIL_TEXT_LIMIT) : text);
  const text = cut(decoded.text);
  const pretty = cut(decoded.pretty);
  return {
    kind: decoded.kind,
    text,
    pretty,
    hex: decoded.hex ?? '',
    bytes: decoded.size,
    truncated: (decoded.text?.length ?? 0) > DETAIL_TEXT_LIMIT || (decoded.pretty?.length ?? 0) > DETAIL_TEXT_LIMIT,
  };
}

/** A key, value or header value for the detail pane; text also gets a hex view (bounded by decode.ts). */
function contentOf(bytes: Uint8Array | null): InspectorContent {
  const content = toContent(decodeBytes(bytes));
  if (content.hex === '' && bytes && bytes.length > 0) content.hex = hexDump(bytes);
  return content;
}

/** The schema columns of a wire-format key or value. */
export function schemaCellOf(part: WirePart): InspectorSchemaCell {
  return {
    id: part.schemaId,
    ...(part.schemaType ? { type: part.schemaType } : {}),
    ...(part.subject !== undefined ? { subject: part.subject } : {}),
    ...(part.version !== undefined ? { version: part.version } : {}),
    ...(part.reason !== undefined ? { error: part.reason } : {}),
  };
}

/** The byte view of a wire-format key or value: each part's range and bytes. */
export function wireViewOf(part: WirePart): InspectorWireView {
  const ranges = part.ranges.length > 0 ? part.ranges : [{ part: 'payload' as const, from: 0, to: part.raw.length, label: `${part.raw.length} bytes, not in the wire format` }];
  return {
    ...schemaCellOf(part),
    ...(part.indexes ? { indexes: part.indexes } : {}),
    bytes: part.raw.length,
    parts: ranges.map((r) => ({ part: r.part, label: r.label, from: r.from, to: r.to, hex: hexOf(part.raw, r.from, r.to) })),
  };
}

/** The detail pane's view of a record: every part decoded (text, pretty JSON, hex); a schema'd part's hex is of the bytes as read. */
export function detailOf(id: number, record: KafkaRecord, pipeline?: InspectorPipeline, wire?: WireRow): InspectorDetail {
  const key = contentOf(record.key);
  const value = contentOf(record.value);
  if (wire?.key) key.hex = hexDump(wire.key.raw);
  if (wire?.value) value.hex = hexDump(wire.value.raw);
  return {
    ...(pipeline ? { pipeline } : {}),
    ...(wire ? { wire: { ...(wire.key ? { key: wireViewOf(wire.key) } : {}), ...(wire.value ? { value: wireViewOf(wire.value) } : {}) } } : {}),
    id,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    size: record.size,
    key,
    value,
    headers: record.headers.map((h) => ({ key: h.key, value: contentOf(h.value) })),
  };
}

/**
 * The table's row of a record: previews only. A missing key and a missing value both read
 * `(null)` (kind 'null', shown muted), and an empty one `(empty)`. Hidden characters stay in
 * the previews as they are: the webview shows them as escapes (src/shared/visibleText.ts) and
 * the search still finds the characters themselves.
 */
export function rowOf(id: number, record: KafkaRecord, previewLength = 200, wire?: WireRow): InspectorRow {
  const key = decodeBytes(record.key, 80);
  const value = decodeBytes(record.value, previewLength);
  return {
    ...(wire?.key ? { keySchema: schemaCellOf(wire.key) } : {}),
    ...(wire?.value ? { valueSchema: schemaCellOf(wire.value) } : {}),
    id,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: key.preview,
    keyKind: key.kind,
    value: value.preview,
    valueKind: value.kind,
    headers: record.headers.length,
    size: record.size,
  };
}

/**
 * What a source that reads into a MessageBuffer in the background shares: the buffer, the
 * change listeners, the state and its message, the filter, pages of rows, records by id, and
 * the status line's filter and eviction parts. A subclass starts a read with beginRun() and
 * reports its end with setState().
 */
export abstract class BufferedInspectorSource implements InspectorSource {
  protected readonly buffer: MessageBuffer;
  private readonly listeners = new Set<() => void>();
  /** The read under way; a read whose controller is no longer this one has been replaced. */
  protected run: AbortController | undefined;
  protected state: InspectorState = 'idle';
  protected stateMessage = '';
  protected generation = 0;
  protected startedAt = 0;
  protected finishedAt = 0;
  protected readonly now: () => number;
  /** Bytes the buffer may hold (the memory bound). */
  protected readonly maxBytes: number;
  /** Whether the state message already says which rows were kept and why (else statusWith adds it). */
  protected messageSaysDrops = false;

  constructor(maxBytes: number | undefined, now: (() => number) | undefined) {
    this.now = now ?? Date.now;
    this.maxBytes = maxBytes ?? DEFAULT_BUFFER_LIMITS.maxBytes;
    this.buffer = new MessageBuffer({ maxRecords: DEFAULT_BUFFER_LIMITS.maxRecords, maxBytes: this.maxBytes });
  }

  abstract describe(): Promise<InspectorSourceDescription>;
  abstract start(options: InspectorOptions): void;
  abstract status(): InspectorStatus;

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  protected emit(): void {
    for (const listener of this.listeners) listener();
  }

  /**
   * Stops the read under way, empties the buffer for `maxMessages` and what to do when it is
   * full, and returns the new read's controller.
   */
  protected beginRun(maxMessages: number, whenFull: WhenFull = 'keepNewest'): AbortController {
    this.run?.abort();
    const controller = new AbortController();
    this.run = controller;
    this.buffer.clear();
    this.buffer.setLimits({ maxRecords: maxMessages, maxBytes: this.maxBytes, whenFull });
    this.generation++;
    this.startedAt = this.now();
    this.finishedAt = 0;
    this.setState('loading', '');
    return controller;
  }

  stop(): void {
    this.run?.abort();
  }

  protected setState(state: InspectorState, message: string, saysDrops = false): void {
    this.state = state;
    this.stateMessage = message;
    this.messageSaysDrops = saysDrops;
    // A read that ended: what it kept is searched next, so its bytes become searchable strings now.
    if (state !== 'loading') this.buffer.sealAll();
    this.emit();
  }

  /** The memory bound as the status line says it ("256 MB memory bound"). */
  protected boundText(): string {
    return `${formatBytes(this.maxBytes)} memory bound`;
  }

  /** Which rows were kept when some were dropped, and how to keep more; undefined when none were dropped. */
  protected droppedText(): string | undefined {
    if (this.buffer.evicted === 0) return undefined;
    return `Kept the newest ${formatCount(this.buffer.size)}; the oldest ${formatCount(this.buffer.evicted)} were dropped to stay within the ${this.boundText()} (raise ${MEMORY_SETTING} to keep more).`;
  }

  /** Time since the read started (to its end once it ended), and its rate. */
  protected timing(): { elapsedMs: number; ratePerSecond: number } {
    const elapsedMs = this.startedAt === 0 ? 0 : (this.finishedAt || this.now()) - this.startedAt;
    return { elapsedMs, ratePerSecond: elapsedMs > 0 ? Math.round((this.buffer.total / elapsedMs) * 1000) : 0 };
  }

  /** The status with `stateLine` first, then how many match the filter and how many were dropped. */
  protected statusWith(state: InspectorState, stateLine: string): InspectorStatus {
    const loaded = this.buffer.size;
    const matched = this.buffer.viewSize;
    const parts = [stateLine];
    if (this.buffer.currentFilter && loaded > 0) parts.push(`${formatCount(matched)} of ${formatCount(loaded)} match the filter.`);
    const dropped = this.droppedText();
    if (dropped !== undefined && !(this.messageSaysDrops && state === this.state)) parts.push(dropped);
    return { state, loaded, matched, generation: this.generation, message: parts.join(' '), heldBytes: this.buffer.bytes, boundBytes: this.maxBytes, ...this.timing() };
  }

  setFilter(filter: InspectorFilter): { matched: number; generation: number } {
    const text = filter.text.trim();
    const partitions = filter.partitions.length > 0 ? filter.partitions : undefined;
    const matched = this.buffer.setFilter(text === '' && !partitions ? undefined : { ...(text !== '' ? { text } : {}), ...(partitions ? { partitions } : {}) });
    this.generation++;
    this.emit();
    return { matched, generation: this.generation };
  }

  rows(from: number, to: number): { rows: InspectorRow[]; matched: number; generation: number } {
    const rows = this.buffer.view(from, to).map((row) => rowOf(row.seq, row.record, 200, this.wireOf(row.record)));
    return { rows, matched: this.buffer.viewSize, generation: this.generation };
  }

  record(id: number): KafkaRecord | undefined {
    return this.buffer.bySeq(id)?.record;
  }

  /** The wire-format facts of a record (sources that decode schema'd records keep them). */
  protected wireOf(_record: KafkaRecord): WireRow | undefined {
    return undefined;
  }

  wire(id: number): WireRow | undefined {
    const record = this.buffer.bySeq(id)?.record;
    return record ? this.wireOf(record) : undefined;
  }

  *records(ids: readonly number[] | 'filtered'): Iterable<KafkaRecord> {
    if (ids === 'filtered') {
      yield* this.buffer.viewRecords();
      return;
    }
    for (const id of [...ids].sort((a, b) => a - b)) {
      const record = this.buffer.bySeq(id)?.record;
      if (record) yield record;
    }
  }

  dispose(): void {
    this.run?.abort();
    this.run = undefined;
    this.listeners.clear();
    this.buffer.clear();
  }
}
