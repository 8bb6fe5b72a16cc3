/**
 * The typed messages between the extension host and its webview panels. Type-only: both
 * the host (src/panels) and the browser code (webview/src) import it. Three kinds, as in
 * the best extension codebases: a `ready` handshake, requests from the webview with an id
 * and a typed reply, and notifications from the host. Each panel's `…Methods` and
 * `…Notifications` type both ends, PanelHost<M, N> (src/panels/panelHost.ts) and
 * HostConnection<M, N> (webview/src/lib/host.ts), so a renamed message fails to compile.
 */

/** Every webview says this first; the host posts nothing before it. */
export interface ReadyMessage {
  kind: 'ready';
}

/** A request from the webview. `method` and `params` are typed per panel by `Methods`. */
export interface RequestMessage<M extends string = string, P = unknown> {
  kind: 'request';
  id: number;
  method: M;
  params: P;
}

/** The host's answer to one request: a result or an error sentence for the user. */
export type ResponseMessage<R = unknown> =
  | { kind: 'response'; id: number; ok: true; result: R }
  | { kind: 'response'; id: number; ok: false; error: string };

/** A message the host sends on its own (new rows, progress, theme of data changed). */
export interface NotificationMessage<T extends string = string, P = unknown> {
  kind: 'notification';
  type: T;
  params: P;
}

/** A panel's request table: method name → [params, result]. */
export type Methods = Record<string, [unknown, unknown]>;

/** Any one request of the table `M`, with its params typed by its method. */
export type RequestOf<M extends Methods> = { [K in keyof M & string]: RequestMessage<K, M[K][0]> }[keyof M & string];

export type WebviewToHost = ReadyMessage | RequestMessage;
export type HostToWebview = ResponseMessage | NotificationMessage;

// ---------------------------------------------------------------- Fire Dataset Event panel
// src/panels/datasetEventPanel.ts ↔ webview/src/datasetEvent.ts

/** A dataset the form offers to pick, with the DAGs its events start. */
export interface DatasetChoice {
  uri: string;
  name: string;
  consumingDags: string[];
}

/** The form's starting values: posted after `ready` and whenever the command runs again. */
export interface DatasetEventPreset {
  connections: string[];
  connection: string | null;
  uri: string;
}

/** The event Airflow created. */
export interface FiredDatasetEvent {
  connection: string;
  id: number;
  uri: string;
  timestamp: string;
  extra: Record<string, unknown>;
  consumingDags: string[];
}

/** A run the event started, with its latest known state. */
export interface StartedRun {
  dagId: string;
  runId: string;
  state: string | null;
}

/** The runs an event started so far; `watching` false means the host stopped polling. */
export interface StartedRunsUpdate {
  eventId: number;
  runs: StartedRun[];
  watching: boolean;
  note: string;
}

export type DatasetEventMethods = {
  listDatasets: [{ connection: string }, { datasets: DatasetChoice[]; server: string }];
  fire: [{ connection: string; uri: string; extraText: string }, FiredDatasetEvent];
  revealRun: [{ connection: string; dagId: string; runId: string }, null];
  openRunInAirflowUi: [{ connection: string; dagId: string; runId: string }, null];
};

export interface DatasetEventNotifications {
  preset: DatasetEventPreset;
  runs: StartedRunsUpdate;
}

// ---------------------------------------------------------------- Producer panel
// src/panels/producerPanel.ts ↔ webview/src/producer.ts

export type ProducerCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * The producer form as the user filled it in. Every field is the text typed, checked on both
 * sides by src/kafka/producerForm.ts: in the webview as you type, in the host before sending.
 */
export interface ProducerForm {
  connection: string;
  topic: string;
  /** Key of every message; may hold placeholders ({{seq}}, {{faker.string.uuid}}); empty for none. */
  key: string;
  headers: { key: string; value: string }[];
  /** A fixed partition, or empty for the partitioner (by key). */
  partition: string;
  /**
   * `json`: the value below (a template with placeholders), encoded with the subject's schema
   * when one is given; `generate`: built-in test data by type; `subject`: test data generated
   * from the subject's schema.
   */
  valueMode: 'json' | 'generate' | 'subject';
  value: string;
  dataType: string;
  count: string;
  /** Messages per second; empty or 0 for as fast as possible. */
  rate: string;
  compression: ProducerCompression;
  /** A schema registry subject: values are checked against its schema and written in the Confluent wire format. Empty: plain JSON. */
  subject?: string;
  /** The subject's version: a number, or empty / "latest". */
  subjectVersion?: string;
}

export interface ProducerChoice {
  id: string;
  label: string;
  description: string;
}

/** The form's starting values: posted after `ready` and whenever the command runs again. */
export interface ProducerPreset {
  connections: string[];
  dataTypes: ProducerChoice[];
  compressions: ProducerChoice[];
  form: ProducerForm;
  /** Why the form was filled in this way, e.g. "An editable copy of orders [2] @ 15". */
  note: string;
}

export interface ProducerTopicChoice {
  name: string;
  partitions: number;
}

export interface ProducerRunProgress {
  total: number;
  sent: number;
  failed: number;
  ratePerSecond: number;
  elapsedMs: number;
}

/** The first rendered message, shown under the form before sending. */
export interface ProducerPreview {
  key: string | null;
  value: string;
  /** With a subject: which schema the value is written with, e.g. "AVRO orders-value v2 (id 7), 48 bytes in the wire format". */
  schema?: string;
  headers: { key: string; value: string }[];
}

export interface ProducerPartitionCount {
  partition: number;
  count: number;
  firstOffset: string;
  lastOffset: string;
}

export interface ProducerRunResult {
  connection: string;
  topic: string;
  total: number;
  sent: number;
  failed: number;
  cancelled: boolean;
  elapsedMs: number;
  ratePerSecond: number;
  partitions: ProducerPartitionCount[];
  /** The first records written, in input order. */
  records: { index: number; partition: number; offset: string }[];
  /** The first errors; `errorsTotal` counts all of them. */
  errors: { index: number; message: string }[];
  errorsTotal: number;
  summary: string;
}

export type ProducerMethods = {
  listTopics: [{ connection: string }, { topics: ProducerTopicChoice[] }];
  /** The subjects of the connection's schema registry, to pick one; `problem` says why there are none to pick (no registry, registry down). */
  listSubjects: [{ connection: string }, { subjects: string[]; problem?: string }];
  /** The versions of a subject (newest first), to pick one; `problem` says why there are none (no such subject, registry down). */
  listVersions: [{ connection: string; subject: string }, { versions: number[]; problem?: string }];
  preview: [{ form: ProducerForm }, ProducerPreview];
  send: [{ form: ProducerForm }, ProducerRunResult];
  cancel: [Record<string, never>, null];
  openInspector: [{ connection: string; topic: string }, null];
  /** Runs Trace Message for one written message. */
  traceMessage: [{ topic: string; partition: number; offset: string }, null];
};

/** What the producer page keeps with setState: the form as typed. */
export interface ProducerPageState {
  form: ProducerForm;
}

export interface ProducerNotifications {
  preset: ProducerPreset;
  progress: ProducerRunProgress;
}

// ---------------------------------------------------------------- Message Inspector panel
// src/panels/inspectorPanel.ts ↔ webview/src/inspector.ts

export type InspectorStartKind = 'beginning' | 'end' | 'latest' | 'offset' | 'timestamp';

export interface InspectorOptions {
  start: InspectorStartKind;
  /** latest: messages per partition; offset: the offset; timestamp: the time as typed. */
  startValue: string;
  /** Partitions to read; empty for all. */
  partitions: number[];
  maxMessages: number;
  /** Keep reading new messages after the end. */
  follow: boolean;
  /**
   * When the memory bound is reached: keep the newest messages (drop the oldest, the
   * default) or stop reading (keep the first ones).
   */
  whenFull?: InspectorWhenFull;
}

export type InspectorWhenFull = 'keepNewest' | 'stop';

/** What the panel shows about its source, posted after `ready`. */
export interface InspectorPreset {
  /** `kafka` reads a topic; `history` (later) pages message-history rows from PostgreSQL. */
  sourceKind: 'kafka' | 'history';
  title: string;
  subtitle: string;
  partitions: number[];
  options: InspectorOptions;
  maxMessagesLimit: number;
  canProduceAgain: boolean;
  /** Start reading at once (opened from a tree row or after producing). */
  autoStart: boolean;
  /** What reopens this panel after a window reload; the webview keeps it with setState. */
  restore?: InspectorRestore;
}

/** The search of a history scope, as src/history/types.ts's HistorySearch. */
export interface InspectorHistorySearch {
  mode: 'keyEquals' | 'keyStartsWith' | 'valueContains' | 'keyOrValueContains';
  text: string;
}

/**
 * What an inspector reads, in a form that survives a window reload (plain JSON): a topic of a
 * named Kafka connection, or a scope of the message history (as HistoryFilter) and its start row.
 */
export type InspectorRestore =
  | { kind: 'kafka'; connection: string; topic: string }
  | {
    kind: 'history';
    scope: { topic?: string; dataType?: string; day?: string | null; partitions?: readonly number[]; search?: InspectorHistorySearch };
    startAt?: { timestamp: string | null; id: string };
  };

/** How a key or value reads: absent, empty, UTF-8 text, JSON, or bytes shown as hex. */
export type InspectorContentKind = 'null' | 'empty' | 'text' | 'json' | 'binary';

/** One row of the table: previews only, never whole values. */
export interface InspectorRow {
  /** Stable id of the message in the host's buffer (for detail, copy, export). */
  id: number;
  partition: number;
  offset: string;
  timestamp: number;
  key: string;
  keyKind: InspectorContentKind;
  value: string;
  valueKind: InspectorContentKind;
  headers: number;
  size: number;
  /** The key's schema when it is in the Confluent wire format (decoded, or why not). */
  keySchema?: InspectorSchemaCell;
  /** The value's schema when it is in the Confluent wire format (decoded, or why not). */
  valueSchema?: InspectorSchemaCell;
}

/** The schema columns of a row whose key or value is in the Confluent wire format. */
export interface InspectorSchemaCell {
  /** -1 when the bytes are too short to hold one. */
  id: number;
  type?: 'AVRO' | 'PROTOBUF' | 'JSON';
  subject?: string;
  version?: number;
  /** Why the bytes could not be decoded; the row then shows them raw. */
  error?: string;
}

/** One marked part of a wire-format key or value in the byte view. */
export interface InspectorWirePart {
  part: 'magic' | 'schemaId' | 'indexes' | 'payload';
  label: string;
  from: number;
  to: number;
  /** The part's bytes as hex pairs (long payloads cut, the rest counted). */
  hex: string;
}

/** The byte view of a key or value in the Confluent wire format. */
export interface InspectorWireView extends InspectorSchemaCell {
  indexes?: number[];
  /** The bytes as read. */
  bytes: number;
  parts: InspectorWirePart[];
}

export interface InspectorContent {
  kind: InspectorContentKind;
  /** The text when the bytes are UTF-8 (possibly cut at `limit`). */
  text: string | null;
  /** Pretty-printed JSON when the text parses. */
  pretty: string | null;
  /** Hex dump (offset, hex, ASCII), possibly cut. */
  hex: string;
  bytes: number;
  truncated: boolean;
}

export interface InspectorDetail {
  id: number;
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  size: number;
  key: InspectorContent;
  value: InspectorContent;
  headers: { key: string; value: InspectorContent }[];
  /** Only for message-history rows: the runs and dataset event the message went through. */
  pipeline?: InspectorPipeline;
  /** The byte views of a key and value in the Confluent wire format. */
  wire?: { key?: InspectorWireView; value?: InspectorWireView };
}

/** A history row's journey, shown as the detail pane's "Pipeline" section. Times in ms since the epoch. */
export interface InspectorPipeline {
  consumedAt: number;
  consumerDagId: string | null;
  consumerRunId: string | null;
  datasetUri: string | null;
  processedAt: number | null;
  processedByDagId: string | null;
  processedByRunId: string | null;
}

export type InspectorState = 'idle' | 'loading' | 'following' | 'done' | 'stopped' | 'error';

export interface InspectorStatus {
  state: InspectorState;
  /** Messages in the host's buffer. */
  loaded: number;
  /** Messages that pass the filter (the table's length). */
  matched: number;
  /** Changes when row positions change meaning (a new run or a new filter): the table starts over. */
  generation: number;
  /** A sentence for the status line. */
  message: string;
  /** Something the read went on past (a partition's leader moved), shown beside the status; not an error. */
  notice?: string;
  /** Bytes the host holds for the rows (their sizes plus a per-row estimate), and the bound it keeps them within. */
  heldBytes: number;
  boundBytes: number;
  elapsedMs: number;
  ratePerSecond: number;
}

export interface InspectorFilter {
  text: string;
  /** Partitions to show; empty for all. */
  partitions: number[];
}

export type InspectorMethods = {
  start: [InspectorOptions, null];
  stop: [Record<string, never>, null];
  rows: [{ from: number; to: number }, { rows: InspectorRow[]; matched: number; generation: number }];
  setFilter: [InspectorFilter, { matched: number; generation: number }];
  detail: [{ id: number }, InspectorDetail];
  copy: [{ id: number; what: 'key' | 'value' | 'row' }, null];
  export: [{ ids: number[] | 'filtered'; format: 'json' | 'csv' }, { written: number; file: string } | null];
  produceAgain: [{ id: number }, null];
  /** Runs Trace Message for the message in the detail pane (Kafka and history rows alike). */
  traceMessage: [{ id: number }, null];
  /** Shows a run named in the Pipeline section in the DAGs view, on the active Airflow connection. */
  openRun: [{ dagId: string; runId: string }, null];
};

/**
 * What the inspector's page keeps with setState (and VS Code keeps across a window reload):
 * what it reads, and where the user was (start options, filter, scroll, selection, detail tab).
 */
export interface InspectorPageState {
  restore: InspectorRestore;
  options?: InspectorOptions;
  filterText?: string;
  /** Partitions shown; absent or empty for all. */
  showPartitions?: number[];
  scrollTop?: number;
  /** Row index of the keyboard cursor, -1 for none. */
  cursor?: number;
  tab?: 'value' | 'key' | 'headers';
  view?: 'pretty' | 'text' | 'hex' | 'bytes';
}

export interface InspectorNotifications {
  preset: InspectorPreset;
  status: InspectorStatus;
}

// ---------------------------------------------------------------- Trace panel
// src/panels/tracePanel.ts ↔ webview/src/trace.ts

export type TraceStepStatusView = 'done' | 'active' | 'waiting' | 'failed';

/** One action of a step; the webview names it by (step, link) index, the host looks it up. */
export interface TraceLinkView {
  label: string;
  icon: string;
}

export interface TraceStepView {
  kind: string;
  status: TraceStepStatusView;
  title: string;
  detail: string;
  /** ISO time, or null when not known. */
  at: string | null;
  /** Formatted, e.g. "1.2 s"; null when not known. */
  duration: string | null;
  links: TraceLinkView[];
}

/** The whole timeline, posted after `ready` and on every refresh while runs are active. */
export interface TraceView {
  title: string;
  subtitle: string;
  steps: TraceStepView[];
  /** Batch traces: counts per step ("Loaded rows" → "6"). Empty for one message. */
  counts: { label: string; value: string }[];
  /** Batch traces: "scheduling took 12.0 s (dataset event → downstream run start)". */
  slowest: string | null;
  /** True while the host keeps polling. */
  watching: boolean;
  updatedAt: string;
  /** The last refresh failed with this sentence (the previous steps stay shown). */
  error: string | null;
  /** Ids and URIs above hold invisible or bidirectional characters, shown as escapes: this says so. */
  note: string | null;
}

export type TraceMethods = {
  openLink: [{ step: number; link: number }, null];
  refresh: [Record<string, never>, null];
};

export interface TraceNotifications {
  trace: TraceView;
  /** What reopens the panel after a window reload (posted once after `ready`). */
  restore: TraceRestore;
}

/** The traced message or consumer run, as plain JSON. */
export type TraceRestore =
  | { kind: 'message'; coordinates: { topic: string; partition: number; offset: string }; producedAt?: number | null }
  | { kind: 'batch'; dagId: string; runId: string };

/** What the trace page keeps with setState. */
export interface TracePageState {
  restore: TraceRestore;
  scrollY?: number;
}

// ---------------------------------------------------------------- DAG Graph panel
// src/panels/dagGraphPanel.ts ↔ webview/src/dagGraph.ts

export interface DagGraphTaskView {
  id: string;
  /** The display name when the DAG sets one, else the task id. */
  label: string;
  operator: string | null;
  isMapped: boolean;
  downstream: string[];
}

export interface DagGraphGroupView {
  id: string;
  label: string;
  parentId: string | null;
}

/** How a state looks: a theme color id (`testing.iconPassed`) or null, and a codicon. */
export interface DagGraphStateStyle {
  color: string | null;
  icon: string;
}

/** The DAG's tasks, dependencies and groups: posted after `ready` and when the DAG is read again. */
export interface DagGraphStructureView {
  dagId: string;
  title: string;
  /** Connection and server, e.g. `Local stack · Airflow 3.3.2`. */
  subtitle: string;
  tasks: DagGraphTaskView[];
  groups: DagGraphGroupView[];
  groupOfTask: Record<string, string>;
  /** Where the groups come from when it is worth saying (Airflow 2: the task ids), else null. */
  note: string | null;
  /** Every state's look, from the DAGs view's vocabulary; `none` is "no state yet". */
  stateStyles: Record<string, DagGraphStateStyle>;
}

export interface DagGraphRunView {
  runId: string;
  state: string;
  /** Start (or logical) time and duration, for the run picker. */
  label: string;
  tooltip: string;
}

/**
 * The last runs and their task instances, posted on every refresh. Runs are oldest first (the
 * grid's columns, newest on the right). `cells[run][task]` indexes `states` (the task order of
 * the structure), -1 when the run has no instance of that task yet.
 */
export interface DagGraphRunsView {
  runs: DagGraphRunView[];
  states: string[];
  cells: number[][];
  /** Mapped tasks: [run index, task index, number of map indices]. */
  mapped: [number, number, number][];
  /** True while the host polls (a run is active). */
  watching: boolean;
  updatedAt: string;
  /** The last refresh failed with this sentence (what was shown before stays). */
  error: string | null;
}

/** One task instance as the detail bar shows it. */
export interface DagGraphTaskDetail {
  runId: string;
  taskId: string;
  state: string | null;
  tryNumber: number;
  mapCount: number;
  operator: string | null;
  started: string;
  ended: string;
  duration: string;
  /** XCom entries of the instance; null when they could not be read (see `xcomError`). */
  xcoms: number | null;
  xcomError: string | null;
}

export interface DagGraphTaskRef {
  runId: string;
  taskId: string;
}

export type DagGraphMethods = {
  refresh: [Record<string, never>, null];
  /** Runs Trigger DAG (its conf input and all) for this DAG. */
  trigger: [Record<string, never>, null];
  detail: [DagGraphTaskRef, DagGraphTaskDetail];
  openLog: [DagGraphTaskRef, null];
  openXComs: [DagGraphTaskRef, null];
  /** Runs Clear Task with its confirmation; the graph refreshes after. */
  clearTask: [DagGraphTaskRef, null];
};

export interface DagGraphNotifications {
  structure: DagGraphStructureView;
  runs: DagGraphRunsView;
  /** Show this run in the graph (the panel was opened from a run's row). */
  selectRun: { runId: string };
}

// ---------------------------------------------------------------- Backfill panel
// src/panels/backfillPanel.ts ↔ webview/src/backfill.ts

/** The form as the user filled it in (text as typed; checked by src/airflow/backfill.ts on the host). */
export interface BackfillForm {
  fromDate: string;
  toDate: string;
  reprocessBehavior: 'none' | 'failed' | 'completed';
  maxActiveRuns: string;
  runBackwards: boolean;
  /** Unpause the DAG first: a paused DAG's backfill runs stay queued. */
  unpause: boolean;
}

/** What the form is for: posted after `ready` and when the command runs again. */
export interface BackfillPreset {
  connection: string;
  dagId: string;
  /** The DAG's schedule as Airflow summarizes it; null for none. */
  schedule: string | null;
  isPaused: boolean;
  /** Suggested range: the last 3 whole days. */
  fromDate: string;
  toDate: string;
  /** Set when the panel shows an existing backfill (opened from the tree) rather than the form. */
  backfillId: number | null;
}

/** One run of a backfill with its state. */
export interface BackfillRunRow {
  runId: string;
  logicalDate: string | null;
  state: string;
}

/** The backfill being watched: its state, counts and runs; `watching` false once it completed. */
export interface BackfillStatus {
  id: number;
  dagId: string;
  range: string;
  state: 'running' | 'paused' | 'completed';
  reprocessBehavior: string;
  maxActiveRuns: number;
  total: number;
  succeeded: number;
  failed: number;
  running: number;
  queued: number;
  summary: string;
  runs: BackfillRunRow[];
  watching: boolean;
  note: string;
}

export type BackfillMethods = {
  dryRun: [BackfillForm, { dates: string[]; note: string }];
  start: [BackfillForm, BackfillStatus];
  pause: [null, BackfillStatus];
  resume: [null, BackfillStatus];
  cancel: [null, BackfillStatus];
  revealRun: [{ runId: string }, null];
};

export interface BackfillNotifications {
  preset: BackfillPreset;
  status: BackfillStatus;
}

// ---------------------------------------------------------------- Object preview panel
// src/panels/objectPreviewPanel.ts ↔ webview/src/objectPreview.ts

/** What the preview shows: the object and its table's columns (the rows are asked page by page). */
export interface ObjectPreviewInfo {
  key: string;
  bucket: string;
  endpoint: string;
  format: 'csv' | 'parquet';
  columns: string[];
  /** Rows in the preview (at most 100). */
  shown: number;
  /** Rows in the whole object when known (Parquet). */
  totalRows: number | null;
  bytes: number;
}

/** One row of the preview; `index` is its position (0-based) in the object. */
export interface ObjectPreviewRow {
  index: number;
  cells: string[];
}

export type ObjectPreviewMethods = {
  rows: [{ from: number; to: number }, { rows: ObjectPreviewRow[]; total: number }];
};

export interface ObjectPreviewNotifications {
  preview: ObjectPreviewInfo;
  /** Reading the object failed: the sentence to show instead of the table. */
  failed: { key: string; message: string };
}
