/**
 * Where the Message Inspector's rows come from. The panel (src/panels/inspectorPanel.ts)
 * speaks only to this interface, so the same table, filter, detail pane and export work over
 * a Kafka topic (KafkaInspectorSource: KafkaService.browse into a bounded host-side buffer)
 * and, later, over message-history rows in PostgreSQL (a source whose rows() pages with
 * keyset SQL and whose records come from MessageHistoryStore via rowAsKafkaRecord). Pure
 * TypeScript: no vscode, so sources are tested and benchmarked without an editor.
 */
import { decodeBytes, hexDump, type DecodedBytes } from '../kafka/decode';
import type { KafkaRecord } from '../kafka/types';
import type {
  InspectorContent,
  InspectorDetail,
  InspectorFilter,
  InspectorOptions,
  InspectorRow,
  InspectorStatus,
} from '../shared/protocol';

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

/** The detail pane's view of a record: every part decoded (text, pretty JSON, hex). */
export function detailOf(id: number, record: KafkaRecord): InspectorDetail {
  return {
    id,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    size: record.size,
    key: contentOf(record.key),
    value: contentOf(record.value),
    headers: record.headers.map((h) => ({ key: h.key, value: contentOf(h.value) })),
  };
}

/** The table's row of a record: previews only. */
export function rowOf(id: number, record: KafkaRecord, previewLength = 200): InspectorRow {
  const key = decodeBytes(record.key, 80);
  const value = decodeBytes(record.value, previewLength);
  return {
    id,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: key.kind === 'null' ? '' : key.preview,
    keyKind: key.kind,
    value: value.preview,
    valueKind: value.kind,
    headers: record.headers.length,
    size: record.size,
  };
}
