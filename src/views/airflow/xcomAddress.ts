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
}

/** A path segment a file name can show: no slashes, no control characters. */
function readable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[/\\\u0000-\u001f]/g, '_');
}

export function xcomAddressToUriParts(address: XComAddress): { path: string; query: string } {
  const mapped = address.mapIndex >= 0 ? ` [${address.mapIndex}]` : '';
  return {
    path: `/${readable(address.connection)}/${readable(address.dagId)}/${readable(address.runId)}/${readable(address.taskId)}${mapped} · XComs.json`,
    query: JSON.stringify({ c: address.connection, d: address.dagId, r: address.runId, t: address.taskId, m: address.mapIndex }),
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
  const { c, d, r, t, m } = raw;
  if (typeof c !== 'string' || typeof d !== 'string' || typeof r !== 'string' || typeof t !== 'string' || typeof m !== 'number') return undefined;
  return { connection: c, dagId: d, runId: r, taskId: t, mapIndex: m };
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
