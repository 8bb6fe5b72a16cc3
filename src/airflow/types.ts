/**
 * One vocabulary over Airflow 2 (REST API v1) and Airflow 3 (REST API v2): what
 * AirflowClient (src/airflow/airflowClient.ts) returns, whichever server answers. A v1
 * "dataset" and a v2 "asset" are both a `Dataset` here. Times are ISO-8601 strings as the
 * servers send them (null when not set); durations are seconds.
 */
import type { AirflowConnection } from '../shared/connections';

/** A connection from the settings plus its secret, as the vscode layer hands it over. */
export interface AirflowConnectionConfig extends AirflowConnection {
  /** Password for auth 'password'. */
  password?: string;
  /** Bearer token for auth 'token'. */
  token?: string;
  /** Per-request timeout in ms. */
  requestTimeoutMs?: number;
}

export type ApiVersion = 'v1' | 'v2';

export interface ServerInfo {
  apiVersion: ApiVersion;
  /** Airflow version, e.g. "3.3.2" or "2.11.2". */
  version: string;
  /** The web UI's base URL for links. */
  uiUrl: string;
}

export type HealthStatus = 'healthy' | 'unhealthy' | 'unknown';

export interface ServerHealth {
  metadatabase: HealthStatus;
  scheduler: HealthStatus;
  /** Airflow 3 only; 'unknown' on Airflow 2. */
  dagProcessor: HealthStatus;
  triggerer: HealthStatus;
}

/** A known state, or another one a newer Airflow may send (kept as text, never dropped). */
export type RunState = 'queued' | 'running' | 'success' | 'failed' | (string & {});

export type TaskState =
  | 'scheduled' | 'queued' | 'running' | 'success' | 'failed' | 'skipped'
  | 'up_for_retry' | 'up_for_reschedule' | 'upstream_failed' | 'deferred' | 'removed' | 'restarting'
  | null | (string & {});

export interface Dag {
  dagId: string;
  displayName: string;
  isPaused: boolean;
  isActive: boolean;
  tags: string[];
  owners: string[];
  /** Human-readable schedule: cron, timetable description, "Dataset"/"Asset", or null. */
  schedule: string | null;
  nextRunAt: string | null;
  fileLoc: string | null;
  /** Airflow 3: the file's path relative to its bundle's root, and the bundle's name. */
  relativeFileLoc?: string | null;
  bundleName?: string | null;
  hasImportErrors: boolean;
  /** State of the most recent run, when the server tells it cheaply. */
  latestRunState?: RunState | null;
}

export interface ImportError {
  id: number;
  /** Airflow 2: the file's absolute path; Airflow 3: its path relative to its bundle's root. */
  filename: string;
  /** Airflow 3: the bundle the file is in ("dags-folder", "workspace-1", …); null on Airflow 2. */
  bundleName: string | null;
  stackTrace: string;
  timestamp: string | null;
}

export interface DagRun {
  dagId: string;
  runId: string;
  state: RunState;
  runType: string;
  logicalDate: string | null;
  startDate: string | null;
  endDate: string | null;
  /** endDate - startDate, or now - startDate while running. */
  durationSeconds: number | null;
  conf: Record<string, unknown>;
  /** The dataset/asset events that triggered this run (dataset-scheduled runs). */
  triggeredBy?: DatasetEvent[];
}

export interface TaskInstance {
  dagId: string;
  runId: string;
  taskId: string;
  mapIndex: number;
  state: TaskState;
  tryNumber: number;
  startDate: string | null;
  endDate: string | null;
  durationSeconds: number | null;
  operator: string | null;
}

export interface LogLine {
  /** ISO time or null when the line has none. */
  time: string | null;
  level: string | null;
  text: string;
}

export interface TaskLog {
  lines: LogLine[];
  /** Pass back to read what was appended since (follow mode). */
  continuationToken: string | null;
  /** True when the task is finished and no more lines will come. */
  complete: boolean;
}

export interface Dataset {
  /** Numeric id on the server (v2 asset id, v1 dataset id). */
  id: number;
  uri: string;
  /** Airflow 3 asset name (equals uri when not set). */
  name: string;
  group?: string;
  extra: Record<string, unknown>;
  producingTasks: { dagId: string; taskId: string }[];
  consumingDags: string[];
  createdAt: string | null;
  updatedAt: string | null;
}

export interface DatasetEvent {
  id: number;
  datasetId: number;
  uri: string;
  extra: Record<string, unknown>;
  timestamp: string;
  sourceDagId: string | null;
  sourceTaskId: string | null;
  sourceRunId: string | null;
  sourceMapIndex: number | null;
  /** Runs this event created (dataset-scheduled DAG runs). */
  createdRuns: { dagId: string; runId: string; state: RunState | null }[];
}

export interface Page<T> {
  items: T[];
  totalEntries: number;
}

export interface TriggerOptions {
  conf?: Record<string, unknown>;
  /** ISO time; null (the default) lets the server choose (v2 needs `logical_date: null`). */
  logicalDate?: string | null;
  runId?: string;
  note?: string;
}

/** A task of a DAG as its definition says (not a run of it). */
export interface DagTask {
  taskId: string;
  /** What the UI shows; the task id unless the DAG sets `task_display_name`. */
  displayName: string;
  /** "@task", "BashOperator", …; null when the server does not say. */
  operator: string | null;
  downstreamTaskIds: string[];
  /** Dynamic task mapping: one task instance per map index in each run. */
  isMapped: boolean;
}

/** A task group: `parentId` is the group it sits in (null at the top). */
export interface DagTaskGroup {
  groupId: string;
  /** The group's own name, without its parents' prefixes. */
  label: string;
  parentId: string | null;
}

/**
 * A DAG's tasks with their dependencies and task groups. `groupsFrom` says where the groups
 * come from: the structure the Airflow 3 UI reads, or the task ids (`group.task`, Airflow's
 * default `prefix_group_id`), which is all the public API of either version tells.
 */
export interface DagStructure {
  dagId: string;
  tasks: DagTask[];
  groups: DagTaskGroup[];
  /** Task id → the innermost group it belongs to; tasks outside any group are not listed. */
  groupOfTask: Record<string, string>;
  groupsFrom: 'structure' | 'taskIds';
}

/** One XCom of a task instance, with its value (JSON as the server sends it). */
export interface XComEntry {
  key: string;
  mapIndex: number;
  timestamp: string | null;
  value: unknown;
}
