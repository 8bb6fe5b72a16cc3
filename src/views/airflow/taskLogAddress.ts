/**
 * The address of a task log as a read-only editor document: which connection, DAG, run,
 * task, try and map index it shows, written into a `kafkaAirflow-log:` URI and read back.
 * The path is for people (the tab title reads "hello · try 1.log"); the query carries the
 * identity. Pure, so the round trip is unit-tested with awkward run ids.
 */
import { isRecord } from '../../shared/guards';

export const LOG_SCHEME = 'kafkaAirflow-log';

export interface TaskLogAddress {
  kind: 'taskLog';
  connection: string;
  dagId: string;
  runId: string;
  taskId: string;
  tryNumber: number;
  mapIndex: number;
}

export interface ImportErrorAddress {
  kind: 'importError';
  connection: string;
  filename: string;
  stackTrace: string;
}

export type LogDocumentAddress = TaskLogAddress | ImportErrorAddress;

/** A path segment a file name can show: no slashes, no control characters. */
function readable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[/\\\u0000-\u001f]/g, '_');
}

/** The parts of a URI for an address: a readable path and the identity in the query. */
export function addressToUriParts(address: LogDocumentAddress): { path: string; query: string } {
  if (address.kind === 'taskLog') {
    const mapped = address.mapIndex >= 0 ? ` [${address.mapIndex}]` : '';
    return {
      path: `/${readable(address.connection)}/${readable(address.dagId)}/${readable(address.runId)}/${readable(address.taskId)}${mapped} · try ${address.tryNumber}.log`,
      query: JSON.stringify({
        k: 't', c: address.connection, d: address.dagId, r: address.runId, t: address.taskId, n: address.tryNumber, m: address.mapIndex,
      }),
    };
  }
  const base = address.filename.split(/[/\\]/).pop() ?? address.filename;
  return {
    path: `/${readable(address.connection)}/import errors/${readable(base)}.log`,
    query: JSON.stringify({ k: 'i', c: address.connection, f: address.filename, s: address.stackTrace }),
  };
}

/** Reads an address back from a URI's query; undefined when it is not one of ours. */
export function addressFromQuery(query: string): LogDocumentAddress | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(query);
  } catch {
    return undefined;
  }
  if (!isRecord(raw) || typeof raw['c'] !== 'string') return undefined;
  if (raw['k'] === 't') {
    const { d, r, t, n, m } = raw;
    if (typeof d !== 'string' || typeof r !== 'string' || typeof t !== 'string' || typeof n !== 'number' || typeof m !== 'number') {
      return undefined;
    }
    return { kind: 'taskLog', connection: raw['c'], dagId: d, runId: r, taskId: t, tryNumber: n, mapIndex: m };
  }
  if (raw['k'] === 'i' && typeof raw['f'] === 'string' && typeof raw['s'] === 'string') {
    return { kind: 'importError', connection: raw['c'], filename: raw['f'], stackTrace: raw['s'] };
  }
  return undefined;
}
