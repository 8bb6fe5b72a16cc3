/**
 * Airflow 3 (REST API v2, /api/v2) → the shared types. Schemas list only the fields the
 * extension uses, so an unrelated change on the server does not break it, while a changed
 * field it does use becomes an AirflowResponseError naming the endpoint and the field.
 * Decoders are exported for the unit tests that run them on recorded responses.
 */
import { z } from 'zod';
import { durationBetween, seg, toHealthStatus } from './adapter';
import type { ClearOptions, DagQuery, DecodeContext, DatasetEventQuery, DatasetQuery, LogQuery, PageQuery, VersionAdapter } from './adapter';
import type { AirflowHttp } from './http';
import { parseTextLog, structuredEventLines } from './logs';
import type {
  Dag, DagRun, Dataset, DatasetEvent, ImportError, LogLine, Page, ServerHealth, TaskInstance, TaskLog, TriggerOptions,
} from './types';
import { parseResponse } from './validate';

const time = z.string().nullish().transform((value) => value ?? null);
const jsonObject = z.record(z.string(), z.unknown());

export const v2Schemas = {
  version: z.object({ version: z.string() }),
  health: z.object({
    metadatabase: z.object({ status: z.string().nullish() }),
    scheduler: z.object({ status: z.string().nullish() }),
    triggerer: z.object({ status: z.string().nullish() }).nullish(),
    dag_processor: z.object({ status: z.string().nullish() }).nullish(),
  }),
  dag: z.object({
    dag_id: z.string(),
    dag_display_name: z.string().nullish(),
    is_paused: z.boolean(),
    is_stale: z.boolean().nullish(),
    tags: z.array(z.object({ name: z.string() })),
    owners: z.array(z.string()),
    timetable_summary: z.string().nullish(),
    timetable_description: z.string().nullish(),
    next_dagrun_run_after: time,
    fileloc: z.string().nullish(),
    has_import_errors: z.boolean().nullish(),
  }),
  run: z.object({
    dag_run_id: z.string(),
    dag_id: z.string(),
    state: z.string(),
    run_type: z.string(),
    logical_date: time,
    start_date: time,
    end_date: time,
    duration: z.number().nullish(),
    conf: jsonObject.nullish(),
  }),
  taskInstance: z.object({
    task_id: z.string(),
    dag_id: z.string(),
    dag_run_id: z.string(),
    map_index: z.number().int(),
    state: z.string().nullable(),
    try_number: z.number().int(),
    start_date: time,
    end_date: time,
    duration: z.number().nullish(),
    operator: z.string().nullish(),
    operator_name: z.string().nullish(),
  }),
  log: z.object({
    content: z.array(z.union([z.looseObject({ event: z.unknown() }), z.string()])),
    continuation_token: z.string().nullish(),
  }),
  importError: z.object({
    import_error_id: z.number().int(),
    timestamp: time,
    filename: z.string(),
    stack_trace: z.string(),
  }),
  asset: z.object({
    id: z.number().int(),
    name: z.string(),
    uri: z.string(),
    group: z.string().nullish(),
    extra: jsonObject.nullish(),
    created_at: time,
    updated_at: time,
    scheduled_dags: z.array(z.object({ dag_id: z.string() })),
    producing_tasks: z.array(z.object({ dag_id: z.string(), task_id: z.string() })),
  }),
  assetEvent: z.object({
    id: z.number().int(),
    asset_id: z.number().int(),
    uri: z.string().nullish(),
    name: z.string().nullish(),
    extra: jsonObject.nullish(),
    source_dag_id: z.string().nullish(),
    source_task_id: z.string().nullish(),
    source_run_id: z.string().nullish(),
    source_map_index: z.number().int().nullish(),
    created_dagruns: z.array(z.object({ run_id: z.string(), dag_id: z.string(), state: z.string().nullish() })),
    timestamp: z.string(),
  }),
  clearResult: z.object({ task_instances: z.array(z.object({ task_id: z.string() })) }),
};

const total = z.number().int().nullish();

export const v2Collections = {
  dags: z.object({ dags: z.array(v2Schemas.dag), total_entries: total }),
  runs: z.object({ dag_runs: z.array(v2Schemas.run), total_entries: total }),
  taskInstances: z.object({ task_instances: z.array(v2Schemas.taskInstance), total_entries: total }),
  importErrors: z.object({ import_errors: z.array(v2Schemas.importError), total_entries: total }),
  assets: z.object({ assets: z.array(v2Schemas.asset), total_entries: total }),
  assetEvents: z.object({ asset_events: z.array(v2Schemas.assetEvent), total_entries: total }),
};

/** "None" is how Airflow 3 summarizes `schedule=None`. */
function scheduleOf(raw: z.output<typeof v2Schemas.dag>): string | null {
  const summary = raw.timetable_summary ?? null;
  if (summary === null || summary === 'None' || summary === '') return null;
  return summary;
}

function toDag(raw: z.output<typeof v2Schemas.dag>): Dag {
  return {
    dagId: raw.dag_id,
    displayName: raw.dag_display_name ?? raw.dag_id,
    isPaused: raw.is_paused,
    isActive: raw.is_stale !== true,
    tags: raw.tags.map((tag) => tag.name),
    owners: raw.owners,
    schedule: scheduleOf(raw),
    nextRunAt: raw.next_dagrun_run_after,
    fileLoc: raw.fileloc ?? null,
    hasImportErrors: raw.has_import_errors === true,
  };
}

function toRun(raw: z.output<typeof v2Schemas.run>): DagRun {
  return {
    dagId: raw.dag_id,
    runId: raw.dag_run_id,
    state: raw.state,
    runType: raw.run_type,
    logicalDate: raw.logical_date,
    startDate: raw.start_date,
    endDate: raw.end_date,
    durationSeconds: raw.end_date !== null && raw.duration !== undefined && raw.duration !== null ? raw.duration : durationBetween(raw.start_date, raw.end_date),
    conf: raw.conf ?? {},
  };
}

function toTaskInstance(raw: z.output<typeof v2Schemas.taskInstance>): TaskInstance {
  return {
    dagId: raw.dag_id,
    runId: raw.dag_run_id,
    taskId: raw.task_id,
    mapIndex: raw.map_index,
    state: raw.state,
    tryNumber: raw.try_number,
    startDate: raw.start_date,
    endDate: raw.end_date,
    durationSeconds: raw.end_date !== null && raw.duration !== undefined && raw.duration !== null ? raw.duration : durationBetween(raw.start_date, raw.end_date),
    operator: raw.operator_name ?? raw.operator ?? null,
  };
}

function toImportError(raw: z.output<typeof v2Schemas.importError>): ImportError {
  return { id: raw.import_error_id, filename: raw.filename, stackTrace: raw.stack_trace, timestamp: raw.timestamp };
}

function toDataset(raw: z.output<typeof v2Schemas.asset>): Dataset {
  const dataset: Dataset = {
    id: raw.id,
    uri: raw.uri,
    name: raw.name,
    extra: raw.extra ?? {},
    producingTasks: raw.producing_tasks.map((task) => ({ dagId: task.dag_id, taskId: task.task_id })),
    consumingDags: [...new Set(raw.scheduled_dags.map((dag) => dag.dag_id))],
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
  if (raw.group) dataset.group = raw.group;
  return dataset;
}

function toDatasetEvent(raw: z.output<typeof v2Schemas.assetEvent>): DatasetEvent {
  return {
    id: raw.id,
    datasetId: raw.asset_id,
    uri: raw.uri ?? raw.name ?? '',
    extra: raw.extra ?? {},
    timestamp: raw.timestamp,
    sourceDagId: raw.source_dag_id ?? null,
    sourceTaskId: raw.source_task_id ?? null,
    sourceRunId: raw.source_run_id ?? null,
    sourceMapIndex: raw.source_map_index ?? null,
    createdRuns: raw.created_dagruns.map((run) => ({ dagId: run.dag_id, runId: run.run_id, state: run.state ?? null })),
  };
}

function page<T, R>(items: readonly R[], total: number | null | undefined, map: (raw: R) => T, offset: number): Page<T> {
  return { items: items.map(map), totalEntries: total ?? offset + items.length };
}

/** Decoders from a raw v2 body to the shared types; each validates first. */
export const decodeV2 = {
  version: (body: unknown, ctx: DecodeContext): string => parseResponse(v2Schemas.version, body, ctx.endpoint, ctx.serverUrl).version,
  health: (body: unknown, ctx: DecodeContext): ServerHealth => {
    const raw = parseResponse(v2Schemas.health, body, ctx.endpoint, ctx.serverUrl);
    return {
      metadatabase: toHealthStatus(raw.metadatabase.status),
      scheduler: toHealthStatus(raw.scheduler.status),
      dagProcessor: toHealthStatus(raw.dag_processor?.status),
      triggerer: toHealthStatus(raw.triggerer?.status),
    };
  },
  dag: (body: unknown, ctx: DecodeContext): Dag => toDag(parseResponse(v2Schemas.dag, body, ctx.endpoint, ctx.serverUrl)),
  dagPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<Dag> => {
    const raw = parseResponse(v2Collections.dags, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.dags, raw.total_entries, toDag, offset);
  },
  run: (body: unknown, ctx: DecodeContext): DagRun => toRun(parseResponse(v2Schemas.run, body, ctx.endpoint, ctx.serverUrl)),
  runPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<DagRun> => {
    const raw = parseResponse(v2Collections.runs, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.dag_runs, raw.total_entries, toRun, offset);
  },
  taskInstancePage: (body: unknown, ctx: DecodeContext, offset = 0): Page<TaskInstance> => {
    const raw = parseResponse(v2Collections.taskInstances, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.task_instances, raw.total_entries, toTaskInstance, offset);
  },
  log: (body: unknown, ctx: DecodeContext): TaskLog => {
    const raw = parseResponse(v2Schemas.log, body, ctx.endpoint, ctx.serverUrl);
    const lines: LogLine[] = [];
    for (const entry of raw.content) {
      if (typeof entry === 'string') lines.push(...parseTextLog(entry));
      else lines.push(...structuredEventLines(entry));
    }
    const token = raw.continuation_token ?? null;
    // Airflow 3 sends no token once the log is complete (end_of_log).
    return { lines, continuationToken: token, complete: token === null };
  },
  importErrorPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<ImportError> => {
    const raw = parseResponse(v2Collections.importErrors, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.import_errors, raw.total_entries, toImportError, offset);
  },
  datasetPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<Dataset> => {
    const raw = parseResponse(v2Collections.assets, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.assets, raw.total_entries, toDataset, offset);
  },
  datasetEvent: (body: unknown, ctx: DecodeContext): DatasetEvent => toDatasetEvent(parseResponse(v2Schemas.assetEvent, body, ctx.endpoint, ctx.serverUrl)),
  datasetEventPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<DatasetEvent> => {
    const raw = parseResponse(v2Collections.assetEvents, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.asset_events, raw.total_entries, toDatasetEvent, offset);
  },
  clearedTaskIds: (body: unknown, ctx: DecodeContext): string[] =>
    parseResponse(v2Schemas.clearResult, body, ctx.endpoint, ctx.serverUrl).task_instances.map((ti) => ti.task_id),
};

/** Airflow 3: /api/v2, JWT auth (set up by the client), assets instead of datasets. */
export class V2Adapter implements VersionAdapter {
  readonly apiVersion = 'v2' as const;

  constructor(private readonly http: AirflowHttp, private readonly uiBaseUrl: string) {}

  private async get<T>(path: string, query: Record<string, string | number | boolean | readonly string[] | undefined>, decode: (body: unknown, ctx: DecodeContext, offset?: number) => T, offset?: number): Promise<T> {
    const { body, endpoint } = await this.http.json({ method: 'GET', path, query });
    return decode(body, { endpoint, serverUrl: this.http.baseUrl }, offset);
  }

  private async send<T>(method: 'POST' | 'PATCH', path: string, payload: unknown, decode: (body: unknown, ctx: DecodeContext) => T, query?: Record<string, string>): Promise<T> {
    const request = { method, path, body: payload, ...(query ? { query } : {}) };
    const { body, endpoint } = await this.http.json(request);
    return decode(body, { endpoint, serverUrl: this.http.baseUrl });
  }

  /** Public on Airflow 3: asked without credentials, so a status bar can show it even when they are wrong. */
  async health(): Promise<ServerHealth> {
    const { body, endpoint } = await this.http.json({ method: 'GET', path: '/api/v2/monitor/health', authenticated: false });
    return decodeV2.health(body, { endpoint, serverUrl: this.http.baseUrl });
  }

  listDags(query: DagQuery): Promise<Page<Dag>> {
    return this.get('/api/v2/dags', {
      limit: query.limit,
      offset: query.offset,
      order_by: 'dag_id',
      dag_id_pattern: query.search || undefined,
      tags: query.tags && query.tags.length > 0 ? query.tags : undefined,
      exclude_stale: query.onlyActive ?? true,
      paused: query.paused,
      last_dag_run_state: query.lastRunState,
    }, decodeV2.dagPage, query.offset);
  }

  getDag(dagId: string): Promise<Dag> {
    return this.get(`/api/v2/dags/${seg(dagId)}`, {}, decodeV2.dag);
  }

  setPaused(dagId: string, paused: boolean): Promise<Dag> {
    return this.send('PATCH', `/api/v2/dags/${seg(dagId)}`, { is_paused: paused }, decodeV2.dag, { update_mask: 'is_paused' });
  }

  trigger(dagId: string, options: TriggerOptions): Promise<DagRun> {
    const payload: Record<string, unknown> = { logical_date: options.logicalDate ?? null, conf: options.conf ?? {} };
    if (options.runId) payload['dag_run_id'] = options.runId;
    if (options.note) payload['note'] = options.note;
    return this.send('POST', `/api/v2/dags/${seg(dagId)}/dagRuns`, payload, decodeV2.run);
  }

  listRuns(dagId: string, query: PageQuery): Promise<Page<DagRun>> {
    return this.get(`/api/v2/dags/${seg(dagId)}/dagRuns`, { limit: query.limit, offset: query.offset, order_by: ['-run_after', '-id'] }, decodeV2.runPage, query.offset);
  }

  getRun(dagId: string, runId: string): Promise<DagRun> {
    return this.get(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}`, {}, decodeV2.run);
  }

  listTaskInstances(dagId: string, runId: string, query: PageQuery): Promise<Page<TaskInstance>> {
    return this.get(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances`, { limit: query.limit, offset: query.offset, order_by: 'id' }, decodeV2.taskInstancePage, query.offset);
  }

  getTaskLog(dagId: string, runId: string, taskId: string, tryNumber: number, query: LogQuery): Promise<TaskLog> {
    return this.get(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/logs/${tryNumber}`, {
      map_index: query.mapIndex ?? -1,
      token: query.continuationToken ?? undefined,
    }, decodeV2.log);
  }

  clearTask(dagId: string, runId: string, taskId: string, options: ClearOptions): Promise<string[]> {
    return this.send('POST', `/api/v2/dags/${seg(dagId)}/clearTaskInstances`, {
      dry_run: false,
      dag_run_id: runId,
      task_ids: [taskId],
      include_downstream: options.downstream ?? true,
      include_upstream: false,
      include_future: false,
      include_past: false,
      only_failed: options.onlyFailed ?? false,
      reset_dag_runs: true,
    }, decodeV2.clearedTaskIds);
  }

  listImportErrors(query: PageQuery): Promise<Page<ImportError>> {
    return this.get('/api/v2/importErrors', { limit: query.limit, offset: query.offset, order_by: 'filename' }, decodeV2.importErrorPage, query.offset);
  }

  listDatasets(query: DatasetQuery): Promise<Page<Dataset>> {
    return this.get('/api/v2/assets', { limit: query.limit, offset: query.offset, uri_pattern: query.uriPattern || undefined, order_by: 'uri' }, decodeV2.datasetPage, query.offset);
  }

  listDatasetEvents(query: DatasetEventQuery): Promise<Page<DatasetEvent>> {
    return this.get('/api/v2/assets/events', {
      limit: query.limit,
      offset: query.offset,
      order_by: '-timestamp',
      asset_id: query.datasetId,
      source_dag_id: query.sourceDagId,
      source_task_id: query.sourceTaskId,
      source_run_id: query.sourceRunId,
      timestamp_gte: query.since,
    }, decodeV2.datasetEventPage, query.offset);
  }

  createDatasetEvent(dataset: Dataset, extra: Record<string, unknown>): Promise<DatasetEvent> {
    return this.send('POST', '/api/v2/assets/events', { asset_id: dataset.id, extra }, decodeV2.datasetEvent);
  }

  async triggeringEventsOfRun(dagId: string, runId: string): Promise<DatasetEvent[]> {
    const result = await this.get(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/upstreamAssetEvents`, {}, decodeV2.datasetEventPage);
    return result.items;
  }

  uiUrlForDag(dagId: string): string {
    return `${this.uiBaseUrl}/dags/${seg(dagId)}`;
  }

  uiUrlForRun(dagId: string, runId: string): string {
    return `${this.uiBaseUrl}/dags/${seg(dagId)}/runs/${seg(runId)}`;
  }
}
