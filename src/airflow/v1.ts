/**
 * Airflow 2 (REST API v1, /api/v1) → the shared types. A v1 "dataset" is the shared `Dataset`.
 * Schemas list only the fields the extension uses; a changed one becomes an
 * AirflowResponseError naming the endpoint and the field. Decoders are exported for the unit
 * tests that run them on recorded responses.
 */
import { z } from 'zod';
import { durationBetween, seg, toHealthStatus } from './adapter';
import type { ClearOptions, DagQuery, DecodeContext, DatasetEventQuery, DatasetQuery, LogQuery, PageQuery, VersionAdapter } from './adapter';
import type { AirflowHttp } from './http';
import { decodeLogToken, parseTextLog, unwrapPythonLogChunks } from './logs';
import type {
  Dag, DagRun, Dataset, DatasetEvent, ImportError, Page, ServerHealth, TaskInstance, TaskLog, TriggerOptions,
} from './types';
import { parseResponse } from './validate';

const time = z.string().nullish().transform((value) => value ?? null);
const jsonObject = z.record(z.string(), z.unknown());
const total = z.number().int().nullish();

/** Airflow 2 serializes `schedule_interval` as {"__type": "CronExpression", "value": "0 * * * *"}, a TimeDelta, or null. */
const scheduleInterval = z.looseObject({
  __type: z.string(),
  value: z.string().nullish(),
  days: z.number().nullish(),
  seconds: z.number().nullish(),
  microseconds: z.number().nullish(),
}).nullish();

export const v1Schemas = {
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
    is_paused: z.boolean().nullable(),
    is_active: z.boolean().nullish(),
    tags: z.array(z.object({ name: z.string() })).nullish(),
    owners: z.array(z.string()),
    schedule_interval: scheduleInterval,
    timetable_description: z.string().nullish(),
    next_dagrun_create_after: time,
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
  }),
  log: z.object({ content: z.string(), continuation_token: z.string().nullish() }),
  importError: z.object({
    import_error_id: z.number().int(),
    timestamp: time,
    filename: z.string(),
    stack_trace: z.string(),
  }),
  dataset: z.object({
    id: z.number().int(),
    uri: z.string(),
    extra: jsonObject.nullish(),
    created_at: time,
    updated_at: time,
    consuming_dags: z.array(z.object({ dag_id: z.string() })),
    producing_tasks: z.array(z.object({ dag_id: z.string(), task_id: z.string() })),
  }),
  datasetEvent: z.object({
    id: z.number().int(),
    dataset_id: z.number().int(),
    dataset_uri: z.string(),
    extra: jsonObject.nullish(),
    source_dag_id: z.string().nullish(),
    source_task_id: z.string().nullish(),
    source_run_id: z.string().nullish(),
    source_map_index: z.number().int().nullish(),
    created_dagruns: z.array(z.object({ dag_run_id: z.string(), dag_id: z.string(), state: z.string().nullish() })),
    timestamp: z.string(),
  }),
  clearResult: z.object({ task_instances: z.array(z.object({ task_id: z.string() })) }),
};

export const v1Collections = {
  dags: z.object({ dags: z.array(v1Schemas.dag), total_entries: total }),
  runs: z.object({ dag_runs: z.array(v1Schemas.run), total_entries: total }),
  taskInstances: z.object({ task_instances: z.array(v1Schemas.taskInstance), total_entries: total }),
  importErrors: z.object({ import_errors: z.array(v1Schemas.importError), total_entries: total }),
  datasets: z.object({ datasets: z.array(v1Schemas.dataset), total_entries: total }),
  datasetEvents: z.object({ dataset_events: z.array(v1Schemas.datasetEvent), total_entries: total }),
};

/** A TimeDelta schedule as "every 1d 2h", "every 30m", … */
function describeTimeDelta(days: number, seconds: number): string {
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours) parts.push(`${hours}h`);
  if (minutes) parts.push(`${minutes}m`);
  if (rest) parts.push(`${rest}s`);
  return `every ${parts.join(' ') || '0s'}`;
}

function scheduleOf(raw: z.output<typeof v1Schemas.dag>): string | null {
  const interval = raw.schedule_interval;
  if (!interval) return null;
  if (interval.__type === 'TimeDelta') return describeTimeDelta(interval.days ?? 0, interval.seconds ?? 0);
  if (typeof interval.value === 'string' && interval.value !== '') return interval.value;
  return raw.timetable_description ?? interval.__type;
}

function toDag(raw: z.output<typeof v1Schemas.dag>): Dag {
  return {
    dagId: raw.dag_id,
    displayName: raw.dag_display_name ?? raw.dag_id,
    isPaused: raw.is_paused === true,
    isActive: raw.is_active !== false,
    tags: (raw.tags ?? []).map((tag) => tag.name),
    owners: raw.owners,
    schedule: scheduleOf(raw),
    nextRunAt: raw.next_dagrun_create_after,
    fileLoc: raw.fileloc ?? null,
    hasImportErrors: raw.has_import_errors === true,
  };
}

function toRun(raw: z.output<typeof v1Schemas.run>): DagRun {
  return {
    dagId: raw.dag_id,
    runId: raw.dag_run_id,
    state: raw.state,
    runType: raw.run_type,
    logicalDate: raw.logical_date,
    startDate: raw.start_date,
    endDate: raw.end_date,
    durationSeconds: durationBetween(raw.start_date, raw.end_date),
    conf: raw.conf ?? {},
  };
}

function toTaskInstance(raw: z.output<typeof v1Schemas.taskInstance>): TaskInstance {
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
    operator: raw.operator ?? null,
  };
}

function toImportError(raw: z.output<typeof v1Schemas.importError>): ImportError {
  return { id: raw.import_error_id, filename: raw.filename, stackTrace: raw.stack_trace, timestamp: raw.timestamp };
}

function toDataset(raw: z.output<typeof v1Schemas.dataset>): Dataset {
  return {
    id: raw.id,
    uri: raw.uri,
    name: raw.uri,
    extra: raw.extra ?? {},
    producingTasks: raw.producing_tasks.map((task) => ({ dagId: task.dag_id, taskId: task.task_id })),
    consumingDags: [...new Set(raw.consuming_dags.map((dag) => dag.dag_id))],
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
  };
}

function toDatasetEvent(raw: z.output<typeof v1Schemas.datasetEvent>): DatasetEvent {
  return {
    id: raw.id,
    datasetId: raw.dataset_id,
    uri: raw.dataset_uri,
    extra: raw.extra ?? {},
    timestamp: raw.timestamp,
    sourceDagId: raw.source_dag_id ?? null,
    sourceTaskId: raw.source_task_id ?? null,
    sourceRunId: raw.source_run_id ?? null,
    sourceMapIndex: raw.source_map_index ?? null,
    createdRuns: raw.created_dagruns.map((run) => ({ dagId: run.dag_id, runId: run.dag_run_id, state: run.state ?? null })),
  };
}

function page<T, R>(items: readonly R[], totalEntries: number | null | undefined, map: (raw: R) => T, offset: number): Page<T> {
  return { items: items.map(map), totalEntries: totalEntries ?? offset + items.length };
}

/** Decoders from a raw v1 body to the shared types; each validates first. */
export const decodeV1 = {
  version: (body: unknown, ctx: DecodeContext): string => parseResponse(v1Schemas.version, body, ctx.endpoint, ctx.serverUrl).version,
  health: (body: unknown, ctx: DecodeContext): ServerHealth => {
    const raw = parseResponse(v1Schemas.health, body, ctx.endpoint, ctx.serverUrl);
    return {
      metadatabase: toHealthStatus(raw.metadatabase.status),
      scheduler: toHealthStatus(raw.scheduler.status),
      dagProcessor: toHealthStatus(raw.dag_processor?.status),
      triggerer: toHealthStatus(raw.triggerer?.status),
    };
  },
  dag: (body: unknown, ctx: DecodeContext): Dag => toDag(parseResponse(v1Schemas.dag, body, ctx.endpoint, ctx.serverUrl)),
  dagPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<Dag> => {
    const raw = parseResponse(v1Collections.dags, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.dags, raw.total_entries, toDag, offset);
  },
  run: (body: unknown, ctx: DecodeContext): DagRun => toRun(parseResponse(v1Schemas.run, body, ctx.endpoint, ctx.serverUrl)),
  runPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<DagRun> => {
    const raw = parseResponse(v1Collections.runs, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.dag_runs, raw.total_entries, toRun, offset);
  },
  taskInstancePage: (body: unknown, ctx: DecodeContext, offset = 0): Page<TaskInstance> => {
    const raw = parseResponse(v1Collections.taskInstances, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.task_instances, raw.total_entries, toTaskInstance, offset);
  },
  /**
   * Airflow 2 puts Python's repr of [(host, text)] in `content` and always returns a token;
   * the token's metadata says whether the log is complete (`end_of_log`).
   */
  log: (body: unknown, ctx: DecodeContext): TaskLog => {
    const raw = parseResponse(v1Schemas.log, body, ctx.endpoint, ctx.serverUrl);
    const text = unwrapPythonLogChunks(raw.content) ?? raw.content;
    const token = raw.continuation_token ?? null;
    const metadata = token === null ? undefined : decodeLogToken(token);
    const complete = token === null || metadata?.['end_of_log'] === true;
    return { lines: parseTextLog(text), continuationToken: token, complete };
  },
  importErrorPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<ImportError> => {
    const raw = parseResponse(v1Collections.importErrors, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.import_errors, raw.total_entries, toImportError, offset);
  },
  datasetPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<Dataset> => {
    const raw = parseResponse(v1Collections.datasets, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.datasets, raw.total_entries, toDataset, offset);
  },
  datasetEvent: (body: unknown, ctx: DecodeContext): DatasetEvent => toDatasetEvent(parseResponse(v1Schemas.datasetEvent, body, ctx.endpoint, ctx.serverUrl)),
  datasetEventPage: (body: unknown, ctx: DecodeContext, offset = 0): Page<DatasetEvent> => {
    const raw = parseResponse(v1Collections.datasetEvents, body, ctx.endpoint, ctx.serverUrl);
    return page(raw.dataset_events, raw.total_entries, toDatasetEvent, offset);
  },
  clearedTaskIds: (body: unknown, ctx: DecodeContext): string[] =>
    parseResponse(v1Schemas.clearResult, body, ctx.endpoint, ctx.serverUrl).task_instances.map((ti) => ti.task_id),
};

/** Airflow 2: /api/v1, basic auth (set up by the client), datasets. */
export class V1Adapter implements VersionAdapter {
  readonly apiVersion = 'v1' as const;

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

  /** Public on Airflow 2: asked without credentials, so a status bar can show it even when they are wrong. */
  async health(): Promise<ServerHealth> {
    const { body, endpoint } = await this.http.json({ method: 'GET', path: '/api/v1/health', authenticated: false });
    return decodeV1.health(body, { endpoint, serverUrl: this.http.baseUrl });
  }

  listDags(query: DagQuery): Promise<Page<Dag>> {
    if (query.lastRunState !== undefined) throw new Error('API v1 cannot filter DAGs by the state of their latest run');
    return this.get('/api/v1/dags', {
      limit: query.limit,
      offset: query.offset,
      order_by: 'dag_id',
      dag_id_pattern: query.search || undefined,
      tags: query.tags && query.tags.length > 0 ? query.tags : undefined,
      only_active: query.onlyActive ?? true,
      paused: query.paused,
    }, decodeV1.dagPage, query.offset);
  }

  getDag(dagId: string): Promise<Dag> {
    return this.get(`/api/v1/dags/${seg(dagId)}`, {}, decodeV1.dag);
  }

  setPaused(dagId: string, paused: boolean): Promise<Dag> {
    return this.send('PATCH', `/api/v1/dags/${seg(dagId)}`, { is_paused: paused }, decodeV1.dag, { update_mask: 'is_paused' });
  }

  trigger(dagId: string, options: TriggerOptions): Promise<DagRun> {
    const payload: Record<string, unknown> = { conf: options.conf ?? {} };
    // API v1 chooses the logical date itself when none is sent (it rejects null).
    if (options.logicalDate) payload['logical_date'] = options.logicalDate;
    if (options.runId) payload['dag_run_id'] = options.runId;
    if (options.note) payload['note'] = options.note;
    return this.send('POST', `/api/v1/dags/${seg(dagId)}/dagRuns`, payload, decodeV1.run);
  }

  listRuns(dagId: string, query: PageQuery): Promise<Page<DagRun>> {
    return this.get(`/api/v1/dags/${seg(dagId)}/dagRuns`, { limit: query.limit, offset: query.offset, order_by: '-execution_date' }, decodeV1.runPage, query.offset);
  }

  getRun(dagId: string, runId: string): Promise<DagRun> {
    return this.get(`/api/v1/dags/${seg(dagId)}/dagRuns/${seg(runId)}`, {}, decodeV1.run);
  }

  listTaskInstances(dagId: string, runId: string, query: PageQuery): Promise<Page<TaskInstance>> {
    return this.get(`/api/v1/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances`, { limit: query.limit, offset: query.offset }, decodeV1.taskInstancePage, query.offset);
  }

  getTaskLog(dagId: string, runId: string, taskId: string, tryNumber: number, query: LogQuery): Promise<TaskLog> {
    return this.get(`/api/v1/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/logs/${tryNumber}`, {
      map_index: query.mapIndex ?? -1,
      token: query.continuationToken ?? undefined,
      full_content: false,
    }, decodeV1.log);
  }

  clearTask(dagId: string, runId: string, taskId: string, options: ClearOptions): Promise<string[]> {
    return this.send('POST', `/api/v1/dags/${seg(dagId)}/clearTaskInstances`, {
      dry_run: false,
      dag_run_id: runId,
      task_ids: [taskId],
      include_downstream: options.downstream ?? true,
      include_upstream: false,
      include_future: false,
      include_past: false,
      only_failed: options.onlyFailed ?? false,
      reset_dag_runs: true,
    }, decodeV1.clearedTaskIds);
  }

  listImportErrors(query: PageQuery): Promise<Page<ImportError>> {
    return this.get('/api/v1/importErrors', { limit: query.limit, offset: query.offset, order_by: 'filename' }, decodeV1.importErrorPage, query.offset);
  }

  listDatasets(query: DatasetQuery): Promise<Page<Dataset>> {
    return this.get('/api/v1/datasets', { limit: query.limit, offset: query.offset, uri_pattern: query.uriPattern || undefined, order_by: 'uri' }, decodeV1.datasetPage, query.offset);
  }

  async listDatasetEvents(query: DatasetEventQuery): Promise<Page<DatasetEvent>> {
    const result = await this.get('/api/v1/datasets/events', {
      limit: query.limit,
      offset: query.offset,
      order_by: '-timestamp',
      dataset_id: query.datasetId,
      source_dag_id: query.sourceDagId,
      source_task_id: query.sourceTaskId,
      source_run_id: query.sourceRunId,
    }, decodeV1.datasetEventPage, query.offset);
    if (query.since === undefined) return result;
    // API v1 has no time filter: drop older events here (the page is newest first).
    const since = Date.parse(query.since);
    return { items: result.items.filter((event) => Date.parse(event.timestamp) >= since), totalEntries: result.totalEntries };
  }

  createDatasetEvent(dataset: Dataset, extra: Record<string, unknown>): Promise<DatasetEvent> {
    return this.send('POST', '/api/v1/datasets/events', { dataset_uri: dataset.uri, extra }, decodeV1.datasetEvent);
  }

  async triggeringEventsOfRun(dagId: string, runId: string): Promise<DatasetEvent[]> {
    const result = await this.get(`/api/v1/dags/${seg(dagId)}/dagRuns/${seg(runId)}/upstreamDatasetEvents`, {}, decodeV1.datasetEventPage);
    return result.items;
  }

  uiUrlForDag(dagId: string): string {
    return `${this.uiBaseUrl}/dags/${seg(dagId)}/grid`;
  }

  uiUrlForRun(dagId: string, runId: string): string {
    return `${this.uiBaseUrl}/dags/${seg(dagId)}/grid?dag_run_id=${encodeURIComponent(runId)}`;
  }
}
