/**
 * What each REST API version (v1 = Airflow 2, v2 = Airflow 3) must provide to AirflowClient:
 * one page of a list, one object, one action, each already mapped to the shared types of
 * types.ts and validated. The client adds what is the same for both: detection, auth,
 * listing every page, exact dataset lookup, "DAG gone" detection, version checks.
 */
import type {
  ApiVersion, Dag, DagRun, DagTask, DagTaskGroup, Dataset, DatasetEvent, ImportError, Page, ServerHealth, TaskInstance, TaskLog,
  TriggerOptions, XComEntry,
} from './types';

/** Where a body came from, for error sentences. */
export interface DecodeContext {
  endpoint: string;
  serverUrl: string;
}

export interface PageQuery {
  limit: number;
  offset: number;
}

export interface DagQuery extends PageQuery {
  /** Substring of the DAG id (case-insensitive on the server). */
  search?: string;
  /** Only DAGs with all/any of these tags (the server's default: any). */
  tags?: string[];
  /** Leave out DAGs whose file is gone (v1 only_active, v2 exclude_stale). Default true. */
  onlyActive?: boolean;
  /** Only paused (true) or only active (false) DAGs. */
  paused?: boolean;
  /** Only DAGs whose latest run is in this state (API v2 only). */
  lastRunState?: string;
}

export interface DatasetQuery extends PageQuery {
  /** Substring of the URI (a server-side ILIKE; callers that need equality filter again). */
  uriPattern?: string;
}

export interface DatasetEventQuery extends PageQuery {
  datasetId?: number;
  sourceDagId?: string;
  sourceTaskId?: string;
  sourceRunId?: string;
  /** Only events at or after this ISO time (v2 filters on the server, v1 in the client). */
  since?: string;
}

export interface LogQuery {
  mapIndex?: number;
  continuationToken?: string | null;
}

export interface ClearOptions {
  /** Clear the tasks downstream of it too (default true, as the Airflow UI does). */
  downstream?: boolean;
  /** Only clear if failed/upstream_failed (default false: clear the chosen task whatever its state). */
  onlyFailed?: boolean;
}

export interface XComQuery extends PageQuery {
  mapIndex: number;
}

/** Task groups as a server's UI knows them (Airflow 3's structure answer). */
/** A one-XCom answer read with a size limit: the value and its size, or how large it was when reading stopped. */
export type BoundedXCom = { value: unknown; bytes: number } | { tooLarge: true; bytesAtLeast: number };

export interface TaskGroupTree {
  groups: DagTaskGroup[];
  /** Task id → its innermost group. */
  groupOfTask: Record<string, string>;
}

export interface VersionAdapter {
  readonly apiVersion: ApiVersion;
  health(): Promise<ServerHealth>;
  listDags(query: DagQuery): Promise<Page<Dag>>;
  getDag(dagId: string): Promise<Dag>;
  setPaused(dagId: string, paused: boolean): Promise<Dag>;
  trigger(dagId: string, options: TriggerOptions): Promise<DagRun>;
  /** Newest first. */
  listRuns(dagId: string, query: PageQuery): Promise<Page<DagRun>>;
  getRun(dagId: string, runId: string): Promise<DagRun>;
  listTaskInstances(dagId: string, runId: string, query: PageQuery): Promise<Page<TaskInstance>>;
  getTaskLog(dagId: string, runId: string, taskId: string, tryNumber: number, query: LogQuery): Promise<TaskLog>;
  /** Returns the ids of the task instances that were cleared. */
  clearTask(dagId: string, runId: string, taskId: string, options: ClearOptions): Promise<string[]>;
  listImportErrors(query: PageQuery): Promise<Page<ImportError>>;
  /** The source of the file that defines the DAG, as the server last parsed it. */
  getDagSource(dagId: string): Promise<string>;
  /** The DAG's tasks with their downstream task ids (one answer, not paged). */
  listTasks(dagId: string): Promise<DagTask[]>;
  /** Task groups from the UI's structure answer (Airflow 3); undefined where the version has none (Airflow 2). */
  taskGroups(dagId: string): Promise<TaskGroupTree | undefined>;
  /** One page of the task instances of several runs of a DAG (the batch endpoint, a POST that only reads). */
  listTaskInstancesOfRuns(dagId: string, runIds: readonly string[], query: PageQuery): Promise<Page<TaskInstance>>;
  /** One page of a task instance's XCom entries, without their values. */
  /** One XCom's value, read only up to `maxBytes` of its JSON answer. */
  getXComValueBounded(dagId: string, runId: string, taskId: string, key: string, options: { mapIndex: number; native: boolean; maxBytes: number }): Promise<BoundedXCom>;
  listXComEntries(dagId: string, runId: string, taskId: string, query: XComQuery): Promise<Page<Omit<XComEntry, 'value'>>>;
  /**
   * One XCom's value. `native`: ask for the stored JSON (v2 always; v1 from Airflow 2.10,
   * `stringify=false`); otherwise Airflow 2.9 sends the Python text of the value.
   */
  getXComValue(dagId: string, runId: string, taskId: string, key: string, options: { mapIndex: number; native: boolean }): Promise<unknown>;
  listDatasets(query: DatasetQuery): Promise<Page<Dataset>>;
  /** Newest first. */
  listDatasetEvents(query: DatasetEventQuery): Promise<Page<DatasetEvent>>;
  createDatasetEvent(dataset: Dataset, extra: Record<string, unknown>): Promise<DatasetEvent>;
  triggeringEventsOfRun(dagId: string, runId: string): Promise<DatasetEvent[]>;
  uiUrlForDag(dagId: string): string;
  uiUrlForRun(dagId: string, runId: string): string;
}

/** Seconds between two ISO times; from `start` to now when `end` is null (a running run). */
export function durationBetween(start: string | null, end: string | null, now: number = Date.now()): number | null {
  if (start === null) return null;
  const from = Date.parse(start);
  const to = end === null ? now : Date.parse(end);
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return Math.max(0, (to - from) / 1000);
}

/** Maps Airflow's health status strings to the shared three. */
export function toHealthStatus(status: string | null | undefined): 'healthy' | 'unhealthy' | 'unknown' {
  if (status === 'healthy') return 'healthy';
  if (status === 'unhealthy') return 'unhealthy';
  return 'unknown';
}

/** Percent-encodes one path segment (run ids contain ":" and "+"). */
export function seg(value: string): string {
  return encodeURIComponent(value);
}
