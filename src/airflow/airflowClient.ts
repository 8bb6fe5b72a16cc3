/**
 * AirflowClient: one Airflow server, whichever major version it runs. It detects the API
 * (`/api/v2/version` answering JSON means Airflow 3, else `/api/v1/version` means Airflow 2),
 * signs in the way that version expects, and offers one vocabulary over both: DAGs, runs,
 * task instances and logs, datasets (v2 assets) and their events. Lists are read page by page
 * to the end; every answer is validated; every failure is a WorkbenchError a user can act on.
 * No vscode import: the editor layer, the tests and the benchmarks all use it as it is.
 */
import { describeError, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import type { ClearOptions, DagQuery, DatasetEventQuery, PageQuery, TaskGroupTree, VersionAdapter } from './adapter';
import { BasicAuth, JwtSessionAuth, MissingCredentialsAuth, PastedTokenAuth } from './auth';
import { AirflowAuthError, AirflowNotFoundError, DagNotFoundError, reenterCredentialsAction } from './errors';
import { AirflowHttp, describeBody, type AirflowResponse, type AuthStrategy, type RetryPolicy } from './http';
import { structureOf } from './dagGraph';
import type {
  AirflowConnectionConfig, Dag, DagRun, DagStructure, Dataset, DatasetEvent, ImportError, Page, RunState, ServerHealth, ServerInfo,
  TaskInstance, TaskLog, TriggerOptions, XComEntry,
} from './types';
import { decodeV1, V1Adapter } from './v1';
import { decodeV2, V2Adapter } from './v2';
import { airflow3OnlyMessage, BackfillRejectedError, checkBackfillRequest, type Backfill, type BackfillRequest } from './backfill';
import type { BoundedXCom } from './adapter';
import { parseResponse } from './validate';
import * as z from 'zod/mini';

/** XCom values up to this many bytes of JSON are read without asking (larger ones on demand). */
export const DEFAULT_XCOM_MAX_BYTES = 1_000_000;

/** Something only Airflow 3's API offers, asked of an Airflow 2 server: the message says why and what to do instead. */
export class Airflow3OnlyError extends WorkbenchError {
  constructor(message: string) {
    super(message, { actions: [] });
    this.name = 'Airflow3OnlyError';
  }
}

/** The largest page Airflow serves by default (`[api] maximum_page_limit`); larger requests are capped. */
export const DEFAULT_PAGE_SIZE = 100;
/** Pages of one list asked at the same time. */
export const DEFAULT_PAGE_CONCURRENCY = 3;
/** API v1 has no cheap "latest run state" for many DAGs: above this many DAGs it is left unknown. */
export const V1_LATEST_STATE_LIMIT = 100;
/** Run states whose DAGs are looked up for `Dag.latestRunState` on API v2. */
const LATEST_RUN_STATES: readonly RunState[] = ['running', 'queued', 'failed', 'success'];

export interface ListAllDagsOptions {
  search?: string;
  tags?: string[];
  /** Leave out DAGs whose file is gone (default true). */
  onlyActive?: boolean;
  /** Page size asked for (the server may cap it). Default 100. */
  pageSize?: number;
  /** Pages asked at once. Default 3; 1 reads strictly one after the other. */
  concurrency?: number;
  /**
   * Fill `Dag.latestRunState` (default true). API v2: one filtered listing per run state.
   * API v1: one request per DAG, done only up to 100 DAGs; above that it stays undefined.
   */
  latestRunState?: boolean;
}

export interface LogOptions {
  mapIndex?: number;
  /** From the previous TaskLog: only what was appended since comes back (follow mode). */
  continuationToken?: string | null;
}

export interface DatasetEventListQuery extends Omit<DatasetEventQuery, 'datasetId'> {
  /** Events of the dataset with this exact URI (looked up first). */
  uri?: string;
  datasetId?: number;
}

/** Runs `work` over `items` with at most `limit` at a time; results keep the order of `items`. */
/**
 * A limit shared by several callers: `run(work)` starts `work` when fewer than `limit` runs of
 * this limiter are under way, otherwise when one ends.
 */
export function sharedLimit(limit: number): <R>(work: () => Promise<R>) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <R>(work: () => Promise<R>): Promise<R> => {
    while (running >= Math.max(1, limit)) await new Promise<void>((resolve) => { waiting.push(resolve); });
    running++;
    try {
      return await work();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** What the previous read of a list found: the page size the server served and the list's length then. */
export interface PagingHint {
  step: number;
  total: number;
}

export interface ListAllPagesOptions<T> {
  /** Page size asked for (the server may cap it). Default 100. */
  pageSize?: number;
  /** Requests in flight at once. Default 3; 1 reads strictly one page after the other. */
  concurrency?: number;
  /** Drops items seen twice when the list shifted between pages. */
  keyOf?: (item: T) => string;
  /** The previous read of the same list: all its pages are asked at once, without waiting for the first. */
  hint?: PagingHint;
  /**
   * Without a hint, ask for the second page together with the first (one wasted request when
   * the list fits one page). For lists that are usually long, such as the DAGs.
   */
  guessSecondPage?: boolean;
  /** Told what this read found, to pass as `hint` next time. */
  remember?: (hint: PagingHint) => void;
}

/**
 * Reads a paged list to its end through limit/offset/total_entries, `concurrency` pages at a
 * time. The first page tells the total and the page size the server really serves (it caps
 * large limits). Waiting for it before asking for the others cost a whole round trip, which
 * is why three pages at a time were no faster than one at a time: with a hint from the
 * previous read (or a guessed second page) the pages are asked for at once, as `curl
 * --parallel` does with known URLs. Pages asked on a wrong guess of the page size are asked
 * again. If the list grew meanwhile, reading goes on until a short page.
 */
export async function listAllPages<T>(fetchPage: (query: PageQuery) => Promise<Page<T>>, options: ListAllPagesOptions<T> = {}): Promise<T[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_PAGE_CONCURRENCY);
  const pages = new Map<number, Page<T>>();
  const fetchAll = async (offsets: readonly number[]): Promise<void> => {
    const fetched = await mapWithConcurrency(offsets, concurrency, (offset) => fetchPage({ limit: pageSize, offset }));
    offsets.forEach((offset, i) => { const page = fetched[i]; if (page) pages.set(offset, page); });
  };

  // Before the first answer: every page of the list as it was last time, or the first two.
  const hint = options.hint;
  let step = hint && hint.step > 0 ? hint.step : pageSize;
  const planned = [0];
  if (concurrency > 1 && hint && hint.total > hint.step) for (let offset = step; offset < hint.total; offset += step) planned.push(offset);
  else if (concurrency > 1 && !hint && options.guessSecondPage) planned.push(step);
  await fetchAll(planned);

  const first = pages.get(0) as Page<T>;
  if (first.items.length !== step) {
    // The page size guessed (or remembered) is not the one served: only the first page counts.
    for (const offset of [...pages.keys()]) if (offset !== 0) pages.delete(offset);
    step = first.items.length;
  }
  let total = Math.max(...[...pages.values()].map((page) => page.totalEntries));
  if (step > 0) {
    const missing: number[] = [];
    for (let offset = step; offset < total; offset += step) if (!pages.has(offset)) missing.push(offset);
    await fetchAll(missing);
    // The list grew while it was read: go on until a short page.
    let offset = Math.ceil(total / step) * step;
    let last = pages.get(offset - step) ?? first;
    for (let guard = 0; guard < 100_000 && last.items.length >= step && offset < last.totalEntries; guard++) {
      last = await fetchPage({ limit: pageSize, offset });
      pages.set(offset, last);
      offset += step;
    }
    total = Math.max(total, last.totalEntries);
  }
  options.remember?.({ step: step > 0 ? step : pageSize, total });

  const items: T[] = [];
  for (const offset of [...pages.keys()].sort((a, b) => a - b)) items.push(...(pages.get(offset) as Page<T>).items);
  if (!options.keyOf) return items;
  const seen = new Set<string>();
  const keyOf = options.keyOf;
  return items.filter((item) => {
    const key = keyOf(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** "2.11.2" ≥ 2.9? Unparseable versions count as new enough (the server will say otherwise). */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const match = /^(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [vMajor, vMinor] = [Number(match[1]), Number(match[2])];
  return vMajor > major || (vMajor === major && vMinor >= minor);
}

/**
 * The `extra` of a dataset event: a JSON object, given as an object or as JSON text.
 * Anything else is a WorkbenchError that says what to write instead.
 */
export function toExtraObject(extra: unknown): Record<string, unknown> {
  let value = extra;
  if (value === undefined) return {};
  if (typeof value === 'string') {
    if (value.trim() === '') return {};
    try {
      value = JSON.parse(value);
    } catch (error) {
      throw new WorkbenchError(`The extra is not valid JSON (${error instanceof Error ? error.message : String(error)}). Write a JSON object, for example {"rows": 10}.`, { cause: error, actions: [] });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const found = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new WorkbenchError(`The extra must be a JSON object, for example {"rows": 10}, not ${found}.`, { actions: [] });
  }
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch (error) {
    throw new WorkbenchError(`The extra cannot be sent as JSON (${error instanceof Error ? error.message : String(error)}). Use only text, numbers, booleans, null, lists and objects.`, { cause: error, actions: [] });
  }
}

const versionProbe = z.object({ version: z.string() });

interface Connected {
  info: ServerInfo;
  api: VersionAdapter;
}

export class AirflowClient {
  /** The base URL without a trailing slash (and without a pasted `/api/v1` or `/api/v2`). */
  readonly baseUrl: string;
  private readonly http: AirflowHttp;
  private connecting: Promise<Connected> | undefined;
  /** How long each DAG listing was when last read (by listing and query), for asking all its pages at once. */
  private readonly pagingHints = new Map<string, PagingHint>();

  constructor(private readonly config: AirflowConnectionConfig, private readonly logger: Logger, options: { retry?: RetryPolicy } = {}) {
    this.baseUrl = config.url.trim().replace(/\/+$/, '').replace(/\/api\/v[12]$/, '');
    const httpOptions = { timeoutMs: config.requestTimeoutMs ?? 15_000, logger, connectionName: config.name, ...(options.retry ? { retry: options.retry } : {}) };
    this.http = new AirflowHttp(this.baseUrl, httpOptions);
  }

  /** Version and API of the server, detected on first use and then cached. */
  async serverInfo(): Promise<ServerInfo> {
    return (await this.connect()).info;
  }

  /** Forget the detected version and the session (e.g. after the server was upgraded). */
  reset(): void {
    this.connecting = undefined;
    this.http.auth = undefined;
    this.pagingHints.clear();
  }

  /** Metadatabase, scheduler, DAG processor and triggerer health (asked without credentials). */
  async health(): Promise<ServerHealth> {
    return (await this.api()).health();
  }

  /** One page of DAGs, by DAG id. */
  async listDags(query: DagQuery): Promise<Page<Dag>> {
    return (await this.api()).listDags(query);
  }

  /**
   * Every DAG, page by page, with the latest run state filled in (see ListAllDagsOptions).
   * Each listing remembers how long it was, so the next one (a refresh of the DAGs view) asks
   * for all its pages at once; the first guesses a second page.
   */
  async listAllDags(options: ListAllDagsOptions = {}): Promise<Dag[]> {
    const api = await this.api();
    const query = { search: options.search, tags: options.tags, onlyActive: options.onlyActive ?? true };
    const concurrency = options.concurrency ?? DEFAULT_PAGE_CONCURRENCY;
    const listing = (what: string, pageConcurrency: number): ListAllPagesOptions<Dag> => {
      const key = `dags ${what} ${JSON.stringify(query)}`;
      const hint = this.pagingHints.get(key);
      return {
        pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE,
        concurrency: pageConcurrency,
        keyOf: (dag) => dag.dagId,
        guessSecondPage: true,
        ...(hint ? { hint } : {}),
        remember: (found) => { this.pagingHints.set(key, found); },
      };
    };
    // The listing and the run-state listings share one limit, so a refresh (every page of each
    // at once) asks no more of the server at a time than the first load: 11 requests at once
    // took a one-worker API server 1.5 s for 1,000 DAGs, the same pages 3 at a time well under 1 s.
    const limit = sharedLimit(concurrency);
    const dagsPromise = listAllPages((page) => limit(() => api.listDags({ ...query, ...page })), listing('all', concurrency));
    if (options.latestRunState === false) return dagsPromise;
    if (api.apiVersion === 'v2') {
      const [dags, ...byState] = await Promise.all([
        dagsPromise,
        // One listing per state; usually short, so one page at a time unless the last read was long.
        ...LATEST_RUN_STATES.map((state) => listAllPages(
          (page) => limit(() => api.listDags({ ...query, ...page, lastRunState: state })),
          { ...listing(state, Math.min(2, concurrency)), guessSecondPage: false },
        )),
      ]);
      const stateOf = new Map<string, RunState>();
      LATEST_RUN_STATES.forEach((state, index) => { for (const dag of byState[index] ?? []) stateOf.set(dag.dagId, state); });
      return dags.map((dag) => ({ ...dag, latestRunState: stateOf.get(dag.dagId) ?? null }));
    }
    const dags = await dagsPromise;
    if (dags.length > V1_LATEST_STATE_LIMIT) {
      this.logger.debug(`Latest run states of ${dags.length} DAGs left unknown: API v1 needs one request per DAG`);
      return dags;
    }
    const states = await this.latestRunStates(dags.map((dag) => dag.dagId));
    return dags.map((dag) => ({ ...dag, latestRunState: states.get(dag.dagId) ?? null }));
  }

  /** The state of each DAG's newest run (null when it never ran), one request per DAG, 4 at a time. */
  async latestRunStates(dagIds: readonly string[]): Promise<Map<string, RunState | null>> {
    const api = await this.api();
    const states = await mapWithConcurrency(dagIds, 4, async (dagId) => {
      try {
        const page = await api.listRuns(dagId, { limit: 1, offset: 0 });
        return page.items[0]?.state ?? null;
      } catch (error) {
        if (error instanceof AirflowNotFoundError) return null;
        throw error;
      }
    });
    return new Map(dagIds.map((dagId, index) => [dagId, states[index] ?? null]));
  }

  /** One DAG; DagNotFoundError when the server does not know it (any more). */
  async getDag(dagId: string): Promise<Dag> {
    const api = await this.api();
    try {
      return await api.getDag(dagId);
    } catch (error) {
      if (error instanceof AirflowNotFoundError) throw new DagNotFoundError(dagId, this.baseUrl, { cause: error });
      throw error;
    }
  }

  /** Pauses or unpauses a DAG; returns the DAG as the server now has it. */
  setPaused(dagId: string, paused: boolean): Promise<Dag> {
    return this.inDag(dagId, (api) => api.setPaused(dagId, paused));
  }

  /** Starts a run with the given conf; on Airflow 3 `logical_date` is sent as null unless chosen. */
  trigger(dagId: string, options: TriggerOptions = {}): Promise<DagRun> {
    const conf: unknown = options.conf;
    if (conf !== undefined && (typeof conf !== 'object' || conf === null || Array.isArray(conf))) {
      return Promise.reject(new WorkbenchError('The run configuration (conf) must be a JSON object, for example {"rows": 10}.', { actions: [] }));
    }
    return this.inDag(dagId, (api) => api.trigger(dagId, options));
  }

  /**
   * Runs of a DAG, newest first. Airflow 2 answers an empty list for a DAG that does not exist,
   * so an empty first page is checked against the DAG itself (DagNotFoundError when gone).
   */
  async listRuns(dagId: string, query: PageQuery): Promise<Page<DagRun>> {
    const page = await this.inDag(dagId, (api) => api.listRuns(dagId, query));
    if (page.items.length === 0 && query.offset === 0) await this.getDag(dagId);
    return page;
  }

  getRun(dagId: string, runId: string): Promise<DagRun> {
    return this.inDag(dagId, (api) => api.getRun(dagId, runId));
  }

  /** Every task instance of a run (mapped tasks give one per map index). */
  listTaskInstances(dagId: string, runId: string): Promise<TaskInstance[]> {
    return this.inDag(dagId, (api) =>
      listAllPages((page) => api.listTaskInstances(dagId, runId, page), { keyOf: (ti) => `${ti.taskId}#${ti.mapIndex}` }));
  }

  /**
   * The DAG's tasks, their dependencies and task groups. Tasks and dependencies come from the
   * public API (`/dags/{id}/tasks`) of either version. Groups come from the structure the
   * Airflow 3 UI reads; where that is missing (Airflow 2) or fails, from the task ids
   * (`group.task`, Airflow's default), and `groupsFrom` says which.
   */
  async getDagStructure(dagId: string): Promise<DagStructure> {
    const tasks = await this.inDag(dagId, (api) => api.listTasks(dagId));
    const api = await this.api();
    let tree: TaskGroupTree | undefined;
    try {
      tree = await api.taskGroups(dagId);
    } catch (error) {
      this.logger.info(`Task groups of ${dagId} are read from its task ids: the Airflow 3 UI's structure answer failed (${describeError(error)})`);
    }
    return structureOf(dagId, tasks, tree);
  }

  /**
   * Every task instance of the given runs of one DAG (mapped tasks give one per map index),
   * read through the batch endpoint page by page, a few pages at a time.
   */
  async listTaskInstancesOfRuns(dagId: string, runIds: readonly string[], options: { pageSize?: number } = {}): Promise<TaskInstance[]> {
    if (runIds.length === 0) return [];
    return this.inDag(dagId, (api) => listAllPages(
      (page) => api.listTaskInstancesOfRuns(dagId, runIds, page),
      { pageSize: options.pageSize ?? DEFAULT_PAGE_SIZE, keyOf: (ti) => `${ti.runId}\u0000${ti.taskId}#${ti.mapIndex}` },
    ));
  }

  /**
   * The XComs of one task instance, by key, with their values (`values: false` reads only the
   * listing). On Airflow 2.9 a value is the Python text of it (no `stringify=false` before 2.10).
   */
  async listXComs(dagId: string, runId: string, taskId: string, options: { mapIndex?: number; values?: boolean } = {}): Promise<XComEntry[]> {
    const { info, api } = await this.connect();
    const mapIndex = options.mapIndex ?? -1;
    const native = info.apiVersion === 'v2' || versionAtLeast(info.version, 2, 10);
    const entries = await this.inDag(dagId, () => listAllPages(
      (page) => api.listXComEntries(dagId, runId, taskId, { ...page, mapIndex }),
      { keyOf: (entry) => `${entry.key}#${entry.mapIndex}` },
    ));
    const sorted = [...entries].sort((a, b) => a.key.localeCompare(b.key) || a.mapIndex - b.mapIndex);
    if (options.values === false) return sorted.map((entry) => ({ ...entry, value: undefined }));
    return mapWithConcurrency(sorted, DEFAULT_PAGE_CONCURRENCY, async (entry) => ({
      ...entry,
      value: await api.getXComValue(dagId, runId, taskId, entry.key, { mapIndex: entry.mapIndex, native }),
    }));
  }

  /**
   * One XCom's value, read only up to `maxBytes` (default 1 MB) of its JSON: a larger value
   * comes back as `{ tooLarge, bytesAtLeast }` without being transferred, so the caller can ask
   * before reading it whole (pass `maxBytes: Infinity`).
   */
  async getXCom(dagId: string, runId: string, taskId: string, key: string, options: { mapIndex?: number; maxBytes?: number } = {}): Promise<BoundedXCom> {
    const { info, api } = await this.connect();
    const native = info.apiVersion === 'v2' || versionAtLeast(info.version, 2, 10);
    const maxBytes = options.maxBytes ?? DEFAULT_XCOM_MAX_BYTES;
    return this.inDag(dagId, () => api.getXComValueBounded(dagId, runId, taskId, key, {
      mapIndex: options.mapIndex ?? -1, native, maxBytes: Number.isFinite(maxBytes) ? maxBytes : Number.MAX_SAFE_INTEGER,
    }));
  }

  // ------------------------------------------------------------ backfills and materialize (Airflow 3)

  /**
   * The logical dates a backfill would run, nothing created. The request is checked first
   * (dates, range, schedule; see checkBackfillRequest): a problem is a BackfillRejectedError.
   */
  async dryRunBackfill(request: BackfillRequest): Promise<string[]> {
    const api = await this.airflow3('backfill');
    await this.checkBackfill(request);
    return this.inDag(request.dagId, () => api.dryRunBackfill(request));
  }

  /** Starts a backfill (checked as dryRunBackfill is); refusals the user can fix are BackfillRejectedErrors. */
  async createBackfill(request: BackfillRequest): Promise<Backfill> {
    const api = await this.airflow3('backfill');
    await this.checkBackfill(request);
    const backfill = await this.inDag(request.dagId, () => api.createBackfill(request));
    this.logger.info(`Backfill ${backfill.id} of ${backfill.dagId} started at ${this.baseUrl} (${backfill.fromDate} → ${backfill.toDate}, reprocess ${backfill.reprocessBehavior})`);
    return backfill;
  }

  /** The DAG's backfills, newest first (on Airflow 2 an Airflow3OnlyError). */
  async listBackfills(dagId: string, options: { limit?: number } = {}): Promise<Backfill[]> {
    const api = await this.airflow3('backfill');
    const page = await this.inDag(dagId, () => api.listBackfills(dagId, { limit: options.limit ?? 10, offset: 0 }));
    return page.items;
  }

  async getBackfill(backfillId: number): Promise<Backfill> {
    return (await this.airflow3('backfill')).getBackfill(backfillId);
  }

  async pauseBackfill(backfillId: number): Promise<Backfill> {
    return (await this.airflow3('backfill')).changeBackfill(backfillId, 'pause');
  }

  async resumeBackfill(backfillId: number): Promise<Backfill> {
    return (await this.airflow3('backfill')).changeBackfill(backfillId, 'unpause');
  }

  /** Cancels a backfill: runs not started yet are not started; running ones finish. */
  async cancelBackfill(backfillId: number): Promise<Backfill> {
    return (await this.airflow3('backfill')).changeBackfill(backfillId, 'cancel');
  }

  /** The runs of a backfill, by logical date (see V2Adapter.listBackfillRuns for how they are found). */
  async listBackfillRuns(backfill: Backfill): Promise<DagRun[]> {
    const api = await this.airflow3('backfill');
    return this.inDag(backfill.dagId, () => listAllPages((page) => api.listBackfillRuns(backfill, page), { keyOf: (run) => run.runId }));
  }

  /** Runs the DAG that produces the asset with this URI (Airflow 3's "Materialize"); the run it started. */
  async materializeAsset(uri: string): Promise<DagRun> {
    const api = await this.airflow3('materialize');
    const asset = await this.findDatasetByUri(uri);
    if (!asset) throw this.unknownDataset(uri);
    if (asset.producingTasks.length === 0) {
      throw new WorkbenchError(`No DAG produces ${uri} (no task lists it in its outlets), so there is nothing to materialize. Add it to a task's outlets, or fire an event on it instead.`, { actions: [] });
    }
    const run = await api.materializeAsset(asset.id);
    this.logger.info(`Materialize ${uri}: run ${run.runId} of ${run.dagId} at ${this.baseUrl}`);
    return run;
  }

  /**
   * A task's log as lines with time and level. Pass the returned continuationToken back to
   * get only what was appended since; `complete` says no more will come.
   */
  getTaskLog(dagId: string, runId: string, taskId: string, tryNumber: number, options: LogOptions = {}): Promise<TaskLog> {
    const query = { mapIndex: options.mapIndex ?? -1, continuationToken: options.continuationToken ?? null };
    return this.inDag(dagId, (api) => api.getTaskLog(dagId, runId, taskId, Math.max(1, tryNumber), query));
  }

  /**
   * Clears a task instance so the scheduler runs it again (and, by default, the tasks
   * downstream of it). Returns the ids of the cleared tasks.
   */
  clearTask(dagId: string, runId: string, taskId: string, options: ClearOptions = {}): Promise<string[]> {
    return this.inDag(dagId, (api) => api.clearTask(dagId, runId, taskId, options));
  }

  /** The source of the file that defines the DAG, as the server last parsed it. */
  getDagSource(dagId: string): Promise<string> {
    return this.inDag(dagId, (api) => api.getDagSource(dagId));
  }

  /** Every DAG file that failed to parse, with its stack trace. */
  async listImportErrors(): Promise<ImportError[]> {
    const api = await this.api();
    return listAllPages((page) => api.listImportErrors(page), { keyOf: (error) => String(error.id) });
  }

  /** Every dataset (asset on Airflow 3) with its producing tasks and consuming DAGs. */
  async listDatasets(options: { uriPattern?: string } = {}): Promise<Dataset[]> {
    const api = await this.api();
    await this.assertDatasetsSupported();
    return listAllPages((page) => api.listDatasets({ ...page, uriPattern: options.uriPattern }), { keyOf: (dataset) => String(dataset.id) });
  }

  /** The dataset whose URI equals `uri` exactly (the server's filter is a substring match). */
  async findDatasetByUri(uri: string): Promise<Dataset | undefined> {
    const candidates = await this.listDatasets({ uriPattern: uri });
    return candidates.find((dataset) => dataset.uri === uri);
  }

  /** Dataset events, newest first, with their source run and the runs they created. */
  async listDatasetEvents(query: DatasetEventListQuery): Promise<Page<DatasetEvent>> {
    const api = await this.api();
    await this.assertDatasetsSupported();
    let datasetId = query.datasetId;
    if (query.uri !== undefined) {
      const dataset = await this.findDatasetByUri(query.uri);
      if (!dataset) throw this.unknownDataset(query.uri);
      datasetId = dataset.id;
    }
    const { uri: _uri, ...rest } = query;
    return api.listDatasetEvents({ ...rest, ...(datasetId === undefined ? {} : { datasetId }) });
  }

  /**
   * Fires a dataset event on the dataset with exactly this URI. `extra` must be a JSON object
   * (or JSON text of one). Airflow 2 needs 2.9+; Airflow 3 is asked for the asset id first.
   */
  async createDatasetEvent(uri: string, extra: unknown = {}): Promise<DatasetEvent> {
    const extraObject = toExtraObject(extra);
    const trimmed = uri.trim();
    if (trimmed === '') throw new WorkbenchError('Give the URI of the dataset, for example s3://bucket/orders.', { actions: [] });
    const { info, api } = await this.connect();
    if (info.apiVersion === 'v1' && !versionAtLeast(info.version, 2, 9)) {
      throw new WorkbenchError(`Creating dataset events needs Airflow 2.9 or newer; ${this.baseUrl} runs ${info.version}.`, { actions: [] });
    }
    const dataset = await this.findDatasetByUri(trimmed);
    if (!dataset) throw this.unknownDataset(trimmed);
    try {
      const event = await api.createDatasetEvent(dataset, extraObject);
      this.logger.info(`Dataset event ${event.id} fired on ${trimmed} at ${this.baseUrl}`);
      return event;
    } catch (error) {
      if (error instanceof AirflowNotFoundError) throw this.unknownDataset(trimmed, error);
      throw error;
    }
  }

  /**
   * The runs an event created, as the server knows them now: dataset-scheduled runs appear
   * once the scheduler has seen the event, so callers poll this for a while.
   */
  async runsCreatedByEvent(event: Pick<DatasetEvent, 'id' | 'datasetId' | 'timestamp'>): Promise<DatasetEvent['createdRuns']> {
    const api = await this.api();
    const pageSize = 50;
    for (let offset = 0; offset < 5_000; offset += pageSize) {
      const page = await api.listDatasetEvents({ datasetId: event.datasetId, since: event.timestamp, limit: pageSize, offset });
      const found = page.items.find((candidate) => candidate.id === event.id);
      if (found) return found.createdRuns;
      const oldest = page.items[page.items.length - 1];
      if (page.items.length < pageSize || (oldest && Date.parse(oldest.timestamp) < Date.parse(event.timestamp))) break;
    }
    throw new AirflowNotFoundError(`Dataset event ${event.id} is no longer on Airflow at ${this.baseUrl}; it may have been deleted. Refresh the Datasets view.`);
  }

  /** The dataset events that triggered a run (dataset-scheduled runs). */
  triggeringEventsOfRun(dagId: string, runId: string): Promise<DatasetEvent[]> {
    return this.inDag(dagId, (api) => api.triggeringEventsOfRun(dagId, runId));
  }

  /** The DAG's page in the Airflow web UI of this server's version. */
  async uiUrlForDag(dagId: string): Promise<string> {
    return (await this.api()).uiUrlForDag(dagId);
  }

  /** The run's page in the Airflow web UI (Airflow 3 /dags/<id>/runs/<run>, Airflow 2 the grid). */
  async uiUrlForRun(dagId: string, runId: string): Promise<string> {
    return (await this.api()).uiUrlForRun(dagId, runId);
  }

  // ---------------------------------------------------------------------------------------

  private async api(): Promise<VersionAdapter> {
    return (await this.connect()).api;
  }

  private connect(): Promise<Connected> {
    this.connecting ??= this.detect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async detect(): Promise<Connected> {
    const v2 = await this.http.send({ method: 'GET', path: '/api/v2/version', authenticated: false });
    const v2Version = this.versionIn(v2);
    if (v2Version !== undefined) return this.connected('v2', v2Version);
    let v1: AirflowResponse | undefined;
    if (v2.status === 404) {
      v1 = await this.http.send({ method: 'GET', path: '/api/v1/version', authenticated: false });
      const v1Version = this.versionIn(v1);
      if (v1Version !== undefined) return this.connected('v1', v1Version);
    }
    const answered = `it answered GET /api/v2/version with ${v2.status} and ${describeBody(v2.text, v2.contentType)}${v1 ? `, and GET /api/v1/version with ${v1.status} and ${describeBody(v1.text, v1.contentType)}` : ''}`;
    throw new WorkbenchError(
      `${this.baseUrl} does not look like an Airflow server (${answered}). Check the URL: it should be the API server of Airflow 3 or the webserver of Airflow 2.`,
      { actions: ['openSettings', 'showLog'] },
    );
  }

  /**
   * The version in a /version answer; '' when the answer is Airflow's JSON but needs
   * credentials (then it is asked again once signed in); undefined when it is not Airflow.
   */
  private versionIn(response: AirflowResponse): string | undefined {
    if (!/json/i.test(response.contentType)) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return undefined;
    }
    if (response.status === 200) {
      const parsed = versionProbe.safeParse(body);
      return parsed.success ? parsed.data.version : undefined;
    }
    if ((response.status === 401 || response.status === 403) && typeof body === 'object' && body !== null) return '';
    return undefined;
  }

  private async connected(apiVersion: 'v1' | 'v2', versionOrEmpty: string): Promise<Connected> {
    this.http.auth = this.authFor(apiVersion);
    const api = apiVersion === 'v2' ? new V2Adapter(this.http, this.baseUrl) : new V1Adapter(this.http, this.baseUrl);
    let version = versionOrEmpty;
    if (version === '') {
      const path = `/api/${apiVersion}/version`;
      const { body, endpoint } = await this.http.json({ method: 'GET', path });
      version = (apiVersion === 'v2' ? decodeV2 : decodeV1).version(body, { endpoint, serverUrl: this.baseUrl });
    }
    this.logger.info(`${this.baseUrl} is Airflow ${version} (REST API ${apiVersion})`);
    return { info: { apiVersion, version, uiUrl: this.baseUrl }, api };
  }

  private authFor(apiVersion: 'v1' | 'v2'): AuthStrategy {
    const reenter = (title: string) => reenterCredentialsAction(title, this.config.name);
    if (this.config.auth === 'token') {
      if (!this.config.token) {
        const missing = new AirflowAuthError(`No token is stored for the Airflow connection "${this.config.name}". Enter it again.`, 401, this.baseUrl, { actions: [reenter('Re-enter Token'), 'showLog'] });
        return new MissingCredentialsAuth(missing, 'Re-enter Token');
      }
      return new PastedTokenAuth(this.config.token);
    }
    const username = this.config.username;
    const password = this.config.password;
    if (!username || password === undefined) {
      const missing = new AirflowAuthError(
        `The Airflow connection "${this.config.name}" has no ${username ? 'password' : 'user name'} stored. Enter it again.`,
        401, this.baseUrl, { actions: [reenter('Re-enter Password'), 'showLog'] },
      );
      return new MissingCredentialsAuth(missing, 'Re-enter Password');
    }
    if (apiVersion === 'v1') return new BasicAuth(username, password);
    const tokenResponse = z.object({ access_token: z.string() });
    return new JwtSessionAuth(username, async () => {
      const response = await this.http.sendOk({ method: 'POST', path: '/auth/token', body: { username, password }, authenticated: false, idempotent: true });
      return parseResponse(tokenResponse, this.http.parseJson(response), response.endpoint, this.baseUrl).access_token;
    }, this.logger);
  }

  /** Runs a DAG-scoped call; a 404 becomes DagNotFoundError when the DAG itself is gone. */
  private async inDag<T>(dagId: string, action: (api: VersionAdapter) => Promise<T>): Promise<T> {
    const api = await this.api();
    try {
      return await action(api);
    } catch (error) {
      if (!(error instanceof AirflowNotFoundError)) throw error;
      const gone = await api.getDag(dagId).then(() => false, (lookup: unknown) => lookup instanceof AirflowNotFoundError);
      if (gone) throw new DagNotFoundError(dagId, this.baseUrl, { cause: error });
      throw error;
    }
  }

  /** The v2 adapter, or an Airflow3OnlyError that says why Airflow 2 cannot do `feature`. */
  private async airflow3(feature: 'backfill' | 'materialize'): Promise<V2Adapter> {
    const { info, api } = await this.connect();
    if (api instanceof V2Adapter) return api;
    throw new Airflow3OnlyError(airflow3OnlyMessage(feature, this.baseUrl, info.version));
  }

  /** Our own checks of a backfill request (with the DAG's schedule) before the server is asked. */
  private async checkBackfill(request: BackfillRequest): Promise<void> {
    const dag = await this.getDag(request.dagId);
    const problems = checkBackfillRequest(request, { now: new Date(), schedule: dag.schedule });
    if (problems.length > 0) throw new BackfillRejectedError(problems.map((problem) => problem.message).join(' '));
  }

  private async assertDatasetsSupported(): Promise<void> {
    const info = await this.serverInfo();
    if (info.apiVersion === 'v1' && !versionAtLeast(info.version, 2, 4)) {
      throw new WorkbenchError(`Datasets need Airflow 2.4 or newer; ${this.baseUrl} runs ${info.version}.`, { actions: [] });
    }
  }

  private unknownDataset(uri: string, cause?: unknown): WorkbenchError {
    return new WorkbenchError(
      `No dataset with URI ${uri} exists on ${this.baseUrl}. Datasets exist once a DAG that declares them is parsed.${/\s/.test(uri) ? ' The URI contains a space, which dataset URIs rarely do: check it for a typo, or copy it from the Datasets view.' : ''}`,
      { cause, actions: ['showLog'] },
    );
  }
}
