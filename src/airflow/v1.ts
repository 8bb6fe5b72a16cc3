/**
 * Airflow 2 (REST API v1, /api/v1) → the shared types. A v1 "dataset" is the shared `Dataset`.
 * Schemas list only the fields the extension uses; a changed one becomes an
 * AirflowResponseError naming the endpoint and the field. Decoders are exported for the unit
 * tests that run them on recorded responses.
 */
import * as z from 'zod/mini';
import { seg } from './adapter';
import type {
  BoundedXCom, ClearOptions, DagQuery, DatasetEventQuery, DatasetQuery, LogQuery, PageQuery, TaskGroupTree, VersionAdapter, XComQuery,
} from './adapter';
import { decodeLogToken, parseTextLog, unwrapPythonLogChunks } from './logs';
import {
  clearTaskBody, decodeOne, decodePage, eventSourceOf, isoTime as time, jsonObject, RestAdapterBase, sharedDecoders, sharedSchemas,
  taskInstancesOfRunsBody, toRun, toTaskInstance, totalEntries as total,
} from './restShared';
import type {
  Dag, DagRun, DagTask, Dataset, DatasetEvent, ImportError, Page, ServerHealth, TaskInstance, TaskLog, TriggerOptions, XComEntry,
} from './types';

/** Airflow 2 serializes `schedule_interval` as {"__type": "CronExpression", "value": "0 * * * *"}, a TimeDelta, or null. */
const scheduleInterval = z.nullish(z.looseObject({
  __type: z.string(),
  value: z.nullish(z.string()),
  days: z.nullish(z.number()),
  seconds: z.nullish(z.number()),
  microseconds: z.nullish(z.number()),
}));

export const v1Schemas = {
  version: sharedSchemas.version,
  health: sharedSchemas.health,
  dag: z.object({
    dag_id: z.string(),
    dag_display_name: z.nullish(z.string()),
    is_paused: z.nullable(z.boolean()),
    is_active: z.nullish(z.boolean()),
    tags: z.nullish(z.array(z.object({ name: z.string() }))),
    owners: z.array(z.string()),
    schedule_interval: scheduleInterval,
    timetable_description: z.nullish(z.string()),
    next_dagrun_create_after: time,
    fileloc: z.nullish(z.string()),
    has_import_errors: z.nullish(z.boolean()),
  }),
  run: sharedSchemas.run,
  taskInstance: sharedSchemas.taskInstance,
  log: z.object({ content: z.string(), continuation_token: z.nullish(z.string()) }),
  importError: sharedSchemas.importError,
  dataset: z.object({
    id: z.int(),
    uri: z.string(),
    extra: z.nullish(jsonObject),
    created_at: time,
    updated_at: time,
    consuming_dags: z.array(z.object({ dag_id: z.string() })),
    producing_tasks: z.array(z.object({ dag_id: z.string(), task_id: z.string() })),
  }),
  datasetEvent: z.object({
    id: z.int(),
    dataset_id: z.int(),
    dataset_uri: z.string(),
    extra: z.nullish(jsonObject),
    source_dag_id: z.nullish(z.string()),
    source_task_id: z.nullish(z.string()),
    source_run_id: z.nullish(z.string()),
    source_map_index: z.nullish(z.int()),
    created_dagruns: z.array(z.object({ dag_run_id: z.string(), dag_id: z.string(), state: z.nullish(z.string()) })),
    timestamp: z.string(),
  }),
  clearResult: sharedSchemas.clearResult,
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
    ...eventSourceOf(raw),
    createdRuns: raw.created_dagruns.map((run) => ({ dagId: run.dag_id, runId: run.dag_run_id, state: run.state ?? null })),
  };
}

/** Decoders from a raw v1 body to the shared types; each validates first. */
export const decodeV1 = {
  ...sharedDecoders,
  dag: decodeOne(v1Schemas.dag, toDag),
  /** The file token in a DAG's details (for /dagSources). */
  fileToken: decodeOne(z.object({ file_token: z.string() }), (raw) => raw.file_token),
  dagPage: decodePage(v1Collections.dags, (raw) => raw.dags, toDag),
  run: decodeOne(v1Schemas.run, toRun),
  runPage: decodePage(v1Collections.runs, (raw) => raw.dag_runs, toRun),
  taskInstancePage: decodePage(v1Collections.taskInstances, (raw) => raw.task_instances, toTaskInstance),
  /**
   * Airflow 2 puts Python's repr of [(host, text)] in `content` and always returns a token;
   * the token's metadata says whether the log is complete (`end_of_log`).
   */
  log: decodeOne(v1Schemas.log, (raw): TaskLog => {
    const text = unwrapPythonLogChunks(raw.content) ?? raw.content;
    const token = raw.continuation_token ?? null;
    const metadata = token === null ? undefined : decodeLogToken(token);
    const complete = token === null || metadata?.['end_of_log'] === true;
    return { lines: parseTextLog(text), continuationToken: token, complete };
  }),
  datasetPage: decodePage(v1Collections.datasets, (raw) => raw.datasets, toDataset),
  datasetEvent: decodeOne(v1Schemas.datasetEvent, toDatasetEvent),
  datasetEventPage: decodePage(v1Collections.datasetEvents, (raw) => raw.dataset_events, toDatasetEvent),
};

/** Airflow 2: /api/v1, basic auth (set up by the client), datasets. */
export class V1Adapter extends RestAdapterBase implements VersionAdapter {
  readonly apiVersion = 'v1' as const;

  /** Public on Airflow 2: asked without credentials, so a status bar can show it even when they are wrong. */
  health(): Promise<ServerHealth> {
    return this.getPublic('/api/v1/health', decodeV1.health);
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
    return this.send('POST', `/api/v1/dags/${seg(dagId)}/clearTaskInstances`, clearTaskBody(runId, taskId, options), decodeV1.clearedTaskIds);
  }

  /** Airflow 2 serves sources by the file's token, which the DAG's details carry. */
  async getDagSource(dagId: string): Promise<string> {
    const token = await this.get(`/api/v1/dags/${seg(dagId)}/details`, {}, decodeV1.fileToken);
    return this.get(`/api/v1/dagSources/${seg(token)}`, {}, decodeV1.dagSource);
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

  listTasks(dagId: string): Promise<DagTask[]> {
    return this.get(`/api/v1/dags/${seg(dagId)}/tasks`, {}, decodeV1.tasks);
  }

  /** Airflow 2's UI reads task groups from its own pages, not from the REST API: the client falls back to the task ids. */
  taskGroups(): Promise<TaskGroupTree | undefined> {
    return Promise.resolve(undefined);
  }

  listTaskInstancesOfRuns(dagId: string, runIds: readonly string[], query: PageQuery): Promise<Page<TaskInstance>> {
    return this.postRead('/api/v1/dags/~/dagRuns/~/taskInstances/list', taskInstancesOfRunsBody(dagId, runIds, query), decodeV1.taskInstancePage, query.offset);
  }

  listXComEntries(dagId: string, runId: string, taskId: string, query: XComQuery): Promise<Page<Omit<XComEntry, 'value'>>> {
    return this.get(`/api/v1/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/xcomEntries`, {
      limit: query.limit, offset: query.offset, map_index: query.mapIndex,
    }, decodeV1.xcomEntryPage, query.offset);
  }

  /** `stringify=false` (Airflow 2.10+) sends the stored JSON; without it Airflow 2 sends Python's text of the value. */
  getXComValue(dagId: string, runId: string, taskId: string, key: string, options: { mapIndex: number; native: boolean }): Promise<unknown> {
    return this.get(`/api/v1/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/xcomEntries/${seg(key)}`, {
      map_index: options.mapIndex, stringify: options.native ? false : undefined,
    }, decodeV1.xcomValue);
  }

  getXComValueBounded(dagId: string, runId: string, taskId: string, key: string, options: { mapIndex: number; native: boolean; maxBytes: number }): Promise<BoundedXCom> {
    return this.getBounded(`/api/v1/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/xcomEntries/${seg(key)}`, {
      map_index: options.mapIndex, stringify: options.native ? false : undefined,
    }, options.maxBytes, decodeV1.xcomValue);
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
