/**
 * The address of a task instance's XComs as a read-only JSON document (`kafkaAirflow-xcom:`):
 * which connection, DAG, run, task and map index, written into a URI and read back, and the
 * document's text. The path is for people (the tab reads "start · XComs.json"); the query
 * carries the identity. Pure, so both are unit-tested.
 */
import type { XComEntry } from '../../airflow/types';
import { isRecord } from '../../shared/guards';

export const XCOM_SCHEME = 'kafkaAirflow-xcom';

export interface XComAddress {
  connection: string;
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  /** One XCom (opened from the DAGs view); without it, every XCom of the task instance. */
  key?: string;
  /** Read the value whatever its size (the user agreed to open a large one). */
  full?: boolean;
}

/** A path segment a file name can show: no slashes, no control characters. */
function readable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[/\\\u0000-\u001f]/g, '_');
}

export function xcomAddressToUriParts(address: XComAddress): { path: string; query: string } {
  const mapped = address.mapIndex >= 0 ? ` [${address.mapIndex}]` : '';
  const what = address.key === undefined ? 'XComs' : `${readable(address.key)}${address.full ? ' (full)' : ''}`;
  const query: Record<string, unknown> = { c: address.connection, d: address.dagId, r: address.runId, t: address.taskId, m: address.mapIndex };
  if (address.key !== undefined) query['k'] = address.key;
  if (address.full) query['f'] = true;
  return {
    path: `/${readable(address.connection)}/${readable(address.dagId)}/${readable(address.runId)}/${readable(address.taskId)}${mapped} · ${what}.json`,
    query: JSON.stringify(query),
  };
}

/** Reads an address back from a URI's query; undefined when it is not one of ours. */
export function xcomAddressFromQuery(query: string): XComAddress | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(query);
  } catch {
    return undefined;
  }
  if (!isRecord(raw)) return undefined;
  const { c, d, r, t, m, k, f } = raw;
  if (typeof c !== 'string' || typeof d !== 'string' || typeof r !== 'string' || typeof t !== 'string' || typeof m !== 'number') return undefined;
  if (k !== undefined && typeof k !== 'string') return undefined;
  const address: XComAddress = { connection: c, dagId: d, runId: r, taskId: t, mapIndex: m };
  if (typeof k === 'string') address.key = k;
  if (f === true) address.full = true;
  return address;
}

/**
 * The document: where the XComs come from, then each key with its value as JSON (a value
 * Airflow 2.9 sends as Python text stays a string). Keys repeat only across map indices.
 */
export function xcomDocumentText(address: XComAddress, entries: readonly XComEntry[], readAt: string): string {
  const xcoms: Record<string, unknown> = {};
  for (const entry of entries) {
    const key = entries.filter((other) => other.key === entry.key).length > 1 ? `${entry.key} [${entry.mapIndex}]` : entry.key;
    xcoms[key] = entry.value === undefined ? null : entry.value;
  }
  const document = {
    connection: address.connection,
    dagId: address.dagId,
    runId: address.runId,
    taskId: address.taskId,
    ...(address.mapIndex >= 0 ? { mapIndex: address.mapIndex } : {}),
    readAt,
    note: entries.length === 0 ? 'This task instance has no XComs.' : undefined,
    xcoms,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** "1.4 MB", "820 KB", "312 B" */
export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} KB`;
  return `${bytes} B`;
}

/** The document of one XCom: its value as JSON (pretty-printed), or a note that it is too large to read without asking. */
export function oneXComDocumentText(address: XComAddress, read: { value: unknown; bytes: number } | { tooLarge: true; bytesAtLeast: number }, limitBytes: number): string {
  if ('tooLarge' in read) {
    return `// XCom "${address.key ?? ''}" of ${address.taskId} in run ${address.runId} is at least ${formatBytes(read.bytesAtLeast)}, more than the ${formatBytes(limitBytes)} read without asking.\n`
      + '// It was not downloaded. Open it again from the DAGs view and choose "Open Anyway" to read it whole.\n';
  }
  return `${JSON.stringify(read.value === undefined ? null : read.value, null, 2)}\n`;
}
