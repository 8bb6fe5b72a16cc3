/**
 * What the two REST API versions (v1.ts for Airflow 2, v2.ts for Airflow 3) have in common,
 * kept once: the zod shapes that are the same in both, the mappings of those shapes to the
 * shared types, decoder factories (validate, then map; a list body becomes a Page), and the
 * request plumbing of an adapter. What differs on purpose (DAG schedules, datasets vs assets,
 * run ordering, log formats, auth) stays in each version's module.
 */
import * as z from 'zod/mini';
import { durationBetween, toHealthStatus, type BoundedXCom, type ClearOptions, type DecodeContext } from './adapter';
import type { AirflowHttp, QueryValue } from './http';
import type { DagRun, DagTask, ImportError, Page, ServerHealth, TaskInstance, XComEntry } from './types';
import { parseResponse } from './validate';

/** An ISO time; absent and null both read as null. */
export const isoTime = z.pipe(z.nullish(z.string()), z.transform((value: string | null | undefined) => value ?? null));
export const jsonObject = z.record(z.string(), z.unknown());
export const totalEntries = z.nullish(z.int());

/** Shapes both versions send alike. */
export const sharedSchemas = {
  version: z.object({ version: z.string() }),
  health: z.object({
    metadatabase: z.object({ status: z.nullish(z.string()) }),
    scheduler: z.object({ status: z.nullish(z.string()) }),
    triggerer: z.nullish(z.object({ status: z.nullish(z.string()) })),
    dag_processor: z.nullish(z.object({ status: z.nullish(z.string()) })),
  }),
  /** v2 adds `duration`. */
  run: z.object({
    dag_run_id: z.string(),
    dag_id: z.string(),
    state: z.string(),
    run_type: z.string(),
    logical_date: isoTime,
    start_date: isoTime,
    end_date: isoTime,
    conf: z.nullish(jsonObject),
  }),
  /** v2 adds `operator_name`. */
  taskInstance: z.object({
    task_id: z.string(),
    dag_id: z.string(),
    dag_run_id: z.string(),
    map_index: z.int(),
    state: z.nullable(z.string()),
    try_number: z.int(),
    start_date: isoTime,
    end_date: isoTime,
    duration: z.nullish(z.number()),
    operator: z.nullish(z.string()),
  }),
  importError: z.object({
    import_error_id: z.int(),
    timestamp: isoTime,
    filename: z.string(),
    /** Airflow 3 only. */
    bundle_name: z.nullish(z.string()),
    stack_trace: z.string(),
  }),
  clearResult: z.object({ task_instances: z.array(z.object({ task_id: z.string() })) }),
  /** A DAG file's source (`/dagSources/…` with Accept: application/json). */
  dagSource: z.object({ content: z.string() }),
  /** A task of a DAG's definition (`/dags/{id}/tasks`); `operator_name` is "@task" for decorated tasks. */
  task: z.object({
    task_id: z.string(),
    task_display_name: z.nullish(z.string()),
    downstream_task_ids: z.array(z.string()),
    operator_name: z.nullish(z.string()),
    class_ref: z.nullish(z.looseObject({ class_name: z.nullish(z.string()) })),
    is_mapped: z.nullish(z.boolean()),
  }),
  /** An XCom entry in a listing (no value); v1 adds `execution_date`, v2 `run_id` and more. */
  xcomEntry: z.object({ key: z.string(), timestamp: isoTime, map_index: z.int() }),
  /** One XCom with its value: JSON as stored, or Python's text of it (Airflow 2.9, `stringify`). */
  xcomValue: z.looseObject({ key: z.string(), value: z.unknown() }),
};

/**
 * Seconds a run or task took: the server's own figure once it ended, else from its start to
 * its end (or to now while it runs).
 */
export function durationSeconds(start: string | null, end: string | null, reported: number | null | undefined): number | null {
  return end !== null && reported !== undefined && reported !== null ? reported : durationBetween(start, end);
}

/** A run; `duration` only where the version reports it (v2). */
export function toRun(raw: z.output<typeof sharedSchemas.run> & { duration?: number | null }): DagRun {
  return {
    dagId: raw.dag_id,
    runId: raw.dag_run_id,
    state: raw.state,
    runType: raw.run_type,
    logicalDate: raw.logical_date,
    startDate: raw.start_date,
    endDate: raw.end_date,
    durationSeconds: durationSeconds(raw.start_date, raw.end_date, raw.duration),
    conf: raw.conf ?? {},
  };
}

/** A task instance; v2's `operator_name` (the class name shown in the UI) wins over `operator`. */
export function toTaskInstance(raw: z.output<typeof sharedSchemas.taskInstance> & { operator_name?: string | null }): TaskInstance {
  return {
    dagId: raw.dag_id,
    runId: raw.dag_run_id,
    taskId: raw.task_id,
    mapIndex: raw.map_index,
    state: raw.state,
    tryNumber: raw.try_number,
    startDate: raw.start_date,
    endDate: raw.end_date,
    durationSeconds: durationSeconds(raw.start_date, raw.end_date, raw.duration),
    operator: raw.operator_name ?? raw.operator ?? null,
  };
}

/** A task of a DAG's definition; its operator as the UI names it ("@task", "BashOperator"). */
export function toDagTask(raw: z.output<typeof sharedSchemas.task>): DagTask {
  return {
    taskId: raw.task_id,
    displayName: raw.task_display_name ?? raw.task_id,
    operator: raw.operator_name ?? raw.class_ref?.class_name ?? null,
    downstreamTaskIds: raw.downstream_task_ids,
    isMapped: raw.is_mapped === true,
  };
}

/** Where a dataset (asset) event came from: the task that emitted it, or nulls for one made by hand. */
export function eventSourceOf(raw: {
  source_dag_id?: string | null;
  source_task_id?: string | null;
  source_run_id?: string | null;
  source_map_index?: number | null;
}): { sourceDagId: string | null; sourceTaskId: string | null; sourceRunId: string | null; sourceMapIndex: number | null } {
  return {
    sourceDagId: raw.source_dag_id ?? null,
    sourceTaskId: raw.source_task_id ?? null,
    sourceRunId: raw.source_run_id ?? null,
    sourceMapIndex: raw.source_map_index ?? null,
  };
}

export type OneDecoder<T> = (body: unknown, ctx: DecodeContext) => T;
export type PageDecoder<T> = (body: unknown, ctx: DecodeContext, offset?: number) => Page<T>;

/** Validates a body with `schema`, then maps it. */
export function decodeOne<S extends z.ZodMiniType, T>(schema: S, map: (raw: z.output<S>) => T): OneDecoder<T> {
  return (body, ctx) => map(parseResponse(schema, body, ctx.endpoint, ctx.serverUrl));
}

/**
 * Validates a list body, maps its items; a server that leaves out `total_entries` gets a
 * total of what was seen so far (offset + items).
 */
export function decodePage<S extends z.ZodMiniType<{ total_entries?: number | null | undefined }>, R, T>(
  schema: S,
  itemsOf: (raw: z.output<S>) => readonly R[],
  map: (raw: R) => T,
): PageDecoder<T> {
  return (body, ctx, offset = 0) => {
    const raw = parseResponse(schema, body, ctx.endpoint, ctx.serverUrl);
    const items = itemsOf(raw);
    return { items: items.map(map), totalEntries: raw.total_entries ?? offset + items.length };
  };
}

/** Decoders whose shapes and meaning are the same in both versions. */
export const sharedDecoders = {
  version: decodeOne(sharedSchemas.version, (raw) => raw.version),
  health: decodeOne(sharedSchemas.health, (raw): ServerHealth => ({
    metadatabase: toHealthStatus(raw.metadatabase.status),
    scheduler: toHealthStatus(raw.scheduler.status),
    dagProcessor: toHealthStatus(raw.dag_processor?.status),
    triggerer: toHealthStatus(raw.triggerer?.status),
  })),
  importErrorPage: decodePage(
    z.object({ import_errors: z.array(sharedSchemas.importError), total_entries: totalEntries }),
    (raw) => raw.import_errors,
    (raw): ImportError => ({ id: raw.import_error_id, filename: raw.filename, bundleName: raw.bundle_name ?? null, stackTrace: raw.stack_trace, timestamp: raw.timestamp }),
  ),
  clearedTaskIds: decodeOne(sharedSchemas.clearResult, (raw) => raw.task_instances.map((ti) => ti.task_id)),
  dagSource: decodeOne(sharedSchemas.dagSource, (raw) => raw.content),
  tasks: decodeOne(z.object({ tasks: z.array(sharedSchemas.task) }), (raw) => raw.tasks.map(toDagTask)),
  xcomEntryPage: decodePage(
    z.object({ xcom_entries: z.array(sharedSchemas.xcomEntry), total_entries: totalEntries }),
    (raw) => raw.xcom_entries,
    (raw): Omit<XComEntry, 'value'> => ({ key: raw.key, mapIndex: raw.map_index, timestamp: raw.timestamp }),
  ),
  xcomValue: decodeOne(sharedSchemas.xcomValue, (raw): unknown => raw.value ?? null),
};

/** The body of the batch task-instance listing for some runs of one DAG (the same in both versions). */
export function taskInstancesOfRunsBody(dagId: string, runIds: readonly string[], query: { limit: number; offset: number }): Record<string, unknown> {
  return { dag_ids: [dagId], dag_run_ids: [...runIds], page_limit: query.limit, page_offset: query.offset };
}

/** The body of clearTaskInstances for one task of one run (the same in both versions). */
export function clearTaskBody(runId: string, taskId: string, options: ClearOptions): Record<string, unknown> {
  return {
    dry_run: false,
    dag_run_id: runId,
    task_ids: [taskId],
    include_downstream: options.downstream ?? true,
    include_upstream: false,
    include_future: false,
    include_past: false,
    only_failed: options.onlyFailed ?? false,
    reset_dag_runs: true,
  };
}

/** Request plumbing of a version adapter: GET or send a JSON body, then decode the answer. */
export abstract class RestAdapterBase {
  constructor(protected readonly http: AirflowHttp, protected readonly uiBaseUrl: string) {}

  protected async get<T>(path: string, query: Record<string, QueryValue>, decode: (body: unknown, ctx: DecodeContext, offset?: number) => T, offset?: number): Promise<T> {
    const { body, endpoint } = await this.http.json({ method: 'GET', path, query });
    return decode(body, { endpoint, serverUrl: this.http.baseUrl }, offset);
  }

  protected async send<T>(method: 'POST' | 'PATCH', path: string, payload: unknown, decode: OneDecoder<T>, query?: Record<string, string>): Promise<T> {
    const request = { method, path, body: payload, ...(query ? { query } : {}) };
    const { body, endpoint } = await this.http.json(request);
    return decode(body, { endpoint, serverUrl: this.http.baseUrl });
  }

  /** A POST that only reads (a batch listing): safe to repeat after a lost answer. */
  protected async postRead<T>(path: string, payload: unknown, decode: (body: unknown, ctx: DecodeContext, offset?: number) => T, offset?: number): Promise<T> {
    const { body, endpoint } = await this.http.json({ method: 'POST', path, body: payload, idempotent: true });
    return decode(body, { endpoint, serverUrl: this.http.baseUrl }, offset);
  }

  /** A GET whose answer is read only up to `maxBytes` (see AirflowRequest.maxBytes). */
  protected async getBounded(path: string, query: Record<string, QueryValue>, maxBytes: number, decode: OneDecoder<unknown>): Promise<BoundedXCom> {
    const response = await this.http.sendOk({ method: 'GET', path, query, maxBytes });
    if (response.tooLarge) return { tooLarge: true, bytesAtLeast: response.tooLarge.bytesAtLeast };
    const value = decode(this.http.parseJson(response), { endpoint: response.endpoint, serverUrl: this.http.baseUrl });
    return { value, bytes: Buffer.byteLength(response.text) };
  }

  /** A GET without credentials (health is public), so a status bar can show it even when they are wrong. */
  protected async getPublic<T>(path: string, decode: OneDecoder<T>): Promise<T> {
    const { body, endpoint } = await this.http.json({ method: 'GET', path, authenticated: false });
    return decode(body, { endpoint, serverUrl: this.http.baseUrl });
  }
}
