/**
 * Airflow 3 (REST API v2, /api/v2) → the shared types. Schemas list only the fields the
 * extension uses, so an unrelated change on the server does not break it, while a changed
 * field it does use becomes an AirflowResponseError naming the endpoint and the field.
 * Decoders are exported for the unit tests that run them on recorded responses.
 */
import * as z from 'zod/mini';
import { seg } from './adapter';
import type {
  BoundedXCom, ClearOptions, DagQuery, DatasetEventQuery, DatasetQuery, DecodeContext, LogQuery, PageQuery, TaskGroupTree, VersionAdapter, XComQuery,
} from './adapter';
import { parseTextLog, structuredEventLines } from './logs';
import {
  clearTaskBody, decodeOne, decodePage, eventSourceOf, isoTime as time, jsonObject, RestAdapterBase, sharedDecoders, sharedSchemas,
  taskInstancesOfRunsBody, toRun, toTaskInstance, totalEntries as total,
} from './restShared';
import type {
  Dag, DagRun, DagTask, DagTaskGroup, Dataset, DatasetEvent, ImportError, LogLine, Page, ServerHealth, TaskInstance, TaskLog, TriggerOptions,
  XComEntry,
} from './types';
import { parseResponse } from './validate';
import { backfillBody, BackfillRejectedError, backfillSchemas, explainBackfillRefusal, toBackfill, type Backfill, type BackfillRequest } from './backfill';
import { errorDetail, type AirflowResponse } from './http';

export const v2Schemas = {
  version: sharedSchemas.version,
  health: sharedSchemas.health,
  dag: z.object({
    dag_id: z.string(),
    dag_display_name: z.nullish(z.string()),
    is_paused: z.boolean(),
    is_stale: z.nullish(z.boolean()),
    tags: z.array(z.object({ name: z.string() })),
    owners: z.array(z.string()),
    timetable_summary: z.nullish(z.string()),
    timetable_description: z.nullish(z.string()),
    next_dagrun_run_after: time,
    fileloc: z.nullish(z.string()),
    relative_fileloc: z.nullish(z.string()),
    bundle_name: z.nullish(z.string()),
    has_import_errors: z.nullish(z.boolean()),
  }),
  run: z.extend(sharedSchemas.run, { duration: z.nullish(z.number()) }),
  taskInstance: z.extend(sharedSchemas.taskInstance, { operator_name: z.nullish(z.string()) }),
  log: z.object({
    content: z.array(z.union([z.looseObject({ event: z.unknown() }), z.string()])),
    continuation_token: z.nullish(z.string()),
  }),
  importError: sharedSchemas.importError,
  asset: z.object({
    id: z.int(),
    name: z.string(),
    uri: z.string(),
    group: z.nullish(z.string()),
    extra: z.nullish(jsonObject),
    created_at: time,
    updated_at: time,
    scheduled_dags: z.array(z.object({ dag_id: z.string() })),
    producing_tasks: z.array(z.object({ dag_id: z.string(), task_id: z.string() })),
  }),
  assetEvent: z.object({
    id: z.int(),
    asset_id: z.int(),
    uri: z.nullish(z.string()),
    name: z.nullish(z.string()),
    extra: z.nullish(jsonObject),
    source_dag_id: z.nullish(z.string()),
    source_task_id: z.nullish(z.string()),
    source_run_id: z.nullish(z.string()),
    source_map_index: z.nullish(z.int()),
    created_dagruns: z.array(z.object({ run_id: z.string(), dag_id: z.string(), state: z.nullish(z.string()) })),
    timestamp: z.string(),
  }),
  clearResult: sharedSchemas.clearResult,
  /**
   * A node of the structure the Airflow 3 UI draws (`/ui/structure/structure_data`): a task, or a
   * task group with `children`. Its children are checked one level at a time (see decodeV2.taskGroups).
   */
  structureNode: z.object({
    id: z.string(),
    label: z.nullish(z.string()),
    children: z.nullish(z.array(z.unknown())),
  }),
};

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
    relativeFileLoc: raw.relative_fileloc ?? null,
    bundleName: raw.bundle_name ?? null,
    hasImportErrors: raw.has_import_errors === true,
  };
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
    ...eventSourceOf(raw),
    createdRuns: raw.created_dagruns.map((run) => ({ dagId: run.dag_id, runId: run.run_id, state: run.state ?? null })),
  };
}

/**
 * The task groups in a structure answer: every node with `children` is a group (whatever its
 * `type` says), its children are tasks or groups in it. Each level is validated, so a changed
 * answer becomes an AirflowResponseError naming the field.
 */
function taskGroupsOf(body: unknown, ctx: DecodeContext): TaskGroupTree {
  const root = parseResponse(z.object({ nodes: z.array(z.unknown()) }), body, ctx.endpoint, ctx.serverUrl);
  const groups: DagTaskGroup[] = [];
  const groupOfTask: Record<string, string> = {};
  const visit = (nodes: readonly unknown[], parentId: string | null, depth: number): void => {
    for (const raw of nodes) {
      const node = parseResponse(v2Schemas.structureNode, raw, ctx.endpoint, ctx.serverUrl);
      if (node.children && depth < 50) {
        groups.push({ groupId: node.id, label: node.label ?? node.id.split('.').pop() ?? node.id, parentId });
        visit(node.children, node.id, depth + 1);
      } else if (parentId !== null) {
        groupOfTask[node.id] = parentId;
      }
    }
  };
  visit(root.nodes, null, 0);
  return { groups, groupOfTask };
}

/** Decoders from a raw v2 body to the shared types; each validates first. */
export const decodeV2 = {
  ...sharedDecoders,
  dag: decodeOne(v2Schemas.dag, toDag),
  dagPage: decodePage(v2Collections.dags, (raw) => raw.dags, toDag),
  run: decodeOne(v2Schemas.run, toRun),
  runPage: decodePage(v2Collections.runs, (raw) => raw.dag_runs, toRun),
  taskInstancePage: decodePage(v2Collections.taskInstances, (raw) => raw.task_instances, toTaskInstance),
  log: decodeOne(v2Schemas.log, (raw): TaskLog => {
    const lines: LogLine[] = [];
    for (const entry of raw.content) {
      if (typeof entry === 'string') lines.push(...parseTextLog(entry));
      else lines.push(...structuredEventLines(entry));
    }
    const token = raw.continuation_token ?? null;
    // Airflow 3 sends no token once the log is complete (end_of_log).
    return { lines, continuationToken: token, complete: token === null };
  }),
  datasetPage: decodePage(v2Collections.assets, (raw) => raw.assets, toDataset),
  datasetEvent: decodeOne(v2Schemas.assetEvent, toDatasetEvent),
  datasetEventPage: decodePage(v2Collections.assetEvents, (raw) => raw.asset_events, toDatasetEvent),
  taskGroups: taskGroupsOf,
  backfill: decodeOne(backfillSchemas.backfill, toBackfill),
  backfillPage: decodePage(z.object({ backfills: z.array(backfillSchemas.backfill), total_entries: total }), (raw) => raw.backfills, toBackfill),
  dryRunDates: decodeOne(backfillSchemas.dryRun, (raw) => raw.backfills.map((entry) => entry.logical_date ?? entry.partition_key ?? '')),
};


/** Airflow 3: /api/v2, JWT auth (set up by the client), assets instead of datasets. */
export class V2Adapter extends RestAdapterBase implements VersionAdapter {
  readonly apiVersion = 'v2' as const;

  /** Public on Airflow 3: asked without credentials, so a status bar can show it even when they are wrong. */
  health(): Promise<ServerHealth> {
    return this.getPublic('/api/v2/monitor/health', decodeV2.health);
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
    return this.send('POST', `/api/v2/dags/${seg(dagId)}/clearTaskInstances`, clearTaskBody(runId, taskId, options), decodeV2.clearedTaskIds);
  }

  getDagSource(dagId: string): Promise<string> {
    return this.get(`/api/v2/dagSources/${seg(dagId)}`, {}, decodeV2.dagSource);
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

  listTasks(dagId: string): Promise<DagTask[]> {
    return this.get(`/api/v2/dags/${seg(dagId)}/tasks`, {}, decodeV2.tasks);
  }

  /**
   * The groups as the Airflow 3 UI draws them. Not part of the public API (it may change between
   * releases), so the client falls back to the task ids when this fails.
   */
  taskGroups(dagId: string): Promise<TaskGroupTree | undefined> {
    return this.get('/ui/structure/structure_data', { dag_id: dagId }, decodeV2.taskGroups);
  }

  listTaskInstancesOfRuns(dagId: string, runIds: readonly string[], query: PageQuery): Promise<Page<TaskInstance>> {
    const body = { ...taskInstancesOfRunsBody(dagId, runIds, query), order_by: 'id' };
    return this.postRead('/api/v2/dags/~/dagRuns/~/taskInstances/list', body, decodeV2.taskInstancePage, query.offset);
  }

  listXComEntries(dagId: string, runId: string, taskId: string, query: XComQuery): Promise<Page<Omit<XComEntry, 'value'>>> {
    return this.get(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/xcomEntries`, {
      limit: query.limit, offset: query.offset, map_index: query.mapIndex, order_by: 'key',
    }, decodeV2.xcomEntryPage, query.offset);
  }

  /** Airflow 3 stores XComs as JSON and sends them as such (`stringify` and `deserialize` default to false). */
  getXComValue(dagId: string, runId: string, taskId: string, key: string, options: { mapIndex: number; native: boolean }): Promise<unknown> {
    return this.get(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/xcomEntries/${seg(key)}`, {
      map_index: options.mapIndex,
    }, decodeV2.xcomValue);
  }

  createDatasetEvent(dataset: Dataset, extra: Record<string, unknown>): Promise<DatasetEvent> {
    return this.send('POST', '/api/v2/assets/events', { asset_id: dataset.id, extra }, decodeV2.datasetEvent);
  }

  async triggeringEventsOfRun(dagId: string, runId: string): Promise<DatasetEvent[]> {
    const result = await this.get(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/upstreamAssetEvents`, {}, decodeV2.datasetEventPage);
    return result.items;
  }

  // ------------------------------------------------------------ Airflow 3 only: backfills, materialize

  /** Creates a backfill; a refusal the user can fix (another one running, no schedule, future dates) becomes a BackfillRejectedError. */
  createBackfill(request: BackfillRequest): Promise<Backfill> {
    return this.backfillPost('/api/v2/backfills', request, decodeV2.backfill);
  }

  /** The logical dates a backfill with these settings would run (nothing is created). */
  dryRunBackfill(request: BackfillRequest): Promise<string[]> {
    return this.backfillPost('/api/v2/backfills/dry_run', request, decodeV2.dryRunDates);
  }

  listBackfills(dagId: string, query: PageQuery): Promise<Page<Backfill>> {
    return this.get('/api/v2/backfills', { dag_id: dagId, limit: query.limit, offset: query.offset, order_by: '-id' }, decodeV2.backfillPage, query.offset);
  }

  getBackfill(backfillId: number): Promise<Backfill> {
    return this.get(`/api/v2/backfills/${backfillId}`, {}, decodeV2.backfill);
  }

  /** Pause, unpause or cancel (PUT, no body); the backfill as it is now. */
  async changeBackfill(backfillId: number, action: 'pause' | 'unpause' | 'cancel'): Promise<Backfill> {
    const { body, endpoint } = await this.http.json({ method: 'PUT', path: `/api/v2/backfills/${backfillId}/${action}` });
    return decodeV2.backfill(body, { endpoint, serverUrl: this.http.baseUrl });
  }

  /**
   * The runs of a backfill: the API has no backfill id on runs, so these are the DAG's backfill
   * runs with a logical date in the range that were written since the backfill was created (its
   * own new runs and the existing ones it reprocessed; older backfill runs it skipped are not).
   */
  listBackfillRuns(backfill: Backfill, query: PageQuery): Promise<Page<DagRun>> {
    return this.get(`/api/v2/dags/${seg(backfill.dagId)}/dagRuns`, {
      limit: query.limit,
      offset: query.offset,
      run_type: 'backfill',
      logical_date_gte: backfill.fromDate,
      logical_date_lte: backfill.toDate,
      updated_at_gte: backfill.createdAt,
      order_by: 'logical_date',
    }, decodeV2.runPage, query.offset);
  }

  /** Runs the DAG that produces the asset (Airflow 3's "Materialize"); the run it created. */
  materializeAsset(assetId: number): Promise<DagRun> {
    return this.send('POST', `/api/v2/assets/${assetId}/materialize`, {}, decodeV2.run);
  }

  /** One XCom's value, read only up to `maxBytes` of JSON (a larger one is reported, not read). */
  getXComValueBounded(dagId: string, runId: string, taskId: string, key: string, options: { mapIndex: number; native: boolean; maxBytes: number }): Promise<BoundedXCom> {
    return this.getBounded(`/api/v2/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/xcomEntries/${seg(key)}`, {
      map_index: options.mapIndex,
    }, options.maxBytes, decodeV2.xcomValue);
  }

  private async backfillPost<T>(path: string, request: BackfillRequest, decode: (body: unknown, ctx: DecodeContext) => T): Promise<T> {
    const response: AirflowResponse = await this.http.send({ method: 'POST', path, body: backfillBody(request), idempotent: path.endsWith('dry_run') });
    if (response.status >= 400 && response.status !== 401 && response.status !== 403) {
      const explained = explainBackfillRefusal(request.dagId, response.status, errorDetail(response.text, response.contentType));
      if (explained) throw new BackfillRejectedError(explained);
    }
    this.http.assertOk(response);
    return decode(this.http.parseJson(response), { endpoint: response.endpoint, serverUrl: this.http.baseUrl });
  }

  uiUrlForDag(dagId: string): string {
    return `${this.uiBaseUrl}/dags/${seg(dagId)}`;
  }

  uiUrlForRun(dagId: string, runId: string): string {
    return `${this.uiBaseUrl}/dags/${seg(dagId)}/runs/${seg(runId)}`;
  }
}
