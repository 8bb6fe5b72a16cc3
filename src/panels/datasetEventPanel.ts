/**
 * The host side of the "Fire Dataset Event" form. The webview (webview/src/datasetEvent.ts)
 * asks for the server's datasets and to fire an event; this side validates every message
 * (the URI, `extra` as a JSON object), calls AirflowClient, and afterwards watches the runs
 * the event started, posting their states until they finish or a time limit passes. Only
 * one form is open at a time; running the command again fills it anew.
 */
import * as vscode from 'vscode';
import type { DatasetEvent } from '../airflow/types';
import type { AirflowConnections } from '../config/airflowConnections';
import { parseJsonObject } from '../shared/jsonObject';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import { taggedLogger } from '../shared/logger';
import type {
  DatasetChoice,
  DatasetEventMethods,
  DatasetEventNotifications,
  DatasetEventPreset,
  FiredDatasetEvent,
  StartedRun,
} from '../shared/protocol';
import { Backoff } from '../shared/backoff';
import { isActiveRunState } from '../airflow/presentation';
import { parseWebviewMessage } from './datasetEventMessages';
import { PanelHost } from './panelHost';

/** How long the form watches for the runs an event starts. */
export const WATCH_LIMIT_MS = 3 * 60_000;
/** Once all runs finished, how long to wait for a late one (a consumer the scheduler reaches later). */
const SETTLE_MS = 15_000;

export interface DatasetEventPanelDeps {
  log: Logger;
  extensionUri: vscode.Uri;
  connections: AirflowConnections;
  revealRun: (connection: string, dagId: string, runId: string) => Promise<void>;
  eventFired: (connection: string, uri: string) => void;
}

export interface DatasetEventTarget {
  connection?: string;
  uri?: string;
}

interface Watch {
  timer: NodeJS.Timeout | undefined;
  stopped: boolean;
}

export class DatasetEventPanel implements vscode.Disposable {
  private static current: DatasetEventPanel | undefined;

  private readonly host: PanelHost<DatasetEventMethods, DatasetEventNotifications>;
  private readonly log: Logger;
  private readonly datasets = new Map<string, DatasetChoice[]>();
  private preset: DatasetEventPreset;
  private watch: Watch | undefined;

  /** Opens the form (or brings it to the front) with `target` filled in. */
  static show(deps: DatasetEventPanelDeps, target: DatasetEventTarget = {}): DatasetEventPanel {
    const existing = DatasetEventPanel.current;
    if (existing) {
      existing.applyTarget(target);
      existing.host.reveal();
      return existing;
    }
    DatasetEventPanel.current = new DatasetEventPanel(deps, target);
    return DatasetEventPanel.current;
  }

  private constructor(private readonly deps: DatasetEventPanelDeps, target: DatasetEventTarget) {
    this.log = taggedLogger(deps.log, 'dataset event');
    this.preset = this.presetFor(target);
    this.host = new PanelHost<DatasetEventMethods, DatasetEventNotifications>({
      viewType: 'kafkaAirflow.datasetEvent',
      title: 'Fire Dataset Event',
      entry: 'datasetEvent',
      extensionUri: deps.extensionUri,
      retainContextWhenHidden: true,
      log: this.log,
      name: 'the form',
      parse: parseWebviewMessage,
      handlers: {
        listDatasets: ({ connection }) => this.listDatasets(connection),
        fire: (params) => this.fire(params),
        revealRun: async ({ connection, dagId, runId }) => {
          await this.deps.revealRun(connection, dagId, runId);
          return null;
        },
        openRunInAirflowUi: async ({ connection, dagId, runId }) => {
          const client = await this.deps.connections.client(connection);
          await vscode.env.openExternal(vscode.Uri.parse(await client.uiUrlForRun(dagId, runId)));
          return null;
        },
      },
      onReady: () => { this.host.notify('preset', this.preset); },
      onDispose: () => { this.dispose(); },
    });
    this.host.register(
      deps.connections.onDidChange(() => {
        this.datasets.clear();
        this.preset = { ...this.preset, connections: this.connectionNames() };
        this.host.notify('preset', this.preset);
      }),
    );
  }

  private connectionNames(): string[] {
    return this.deps.connections.list().value.map((c) => c.name);
  }

  private presetFor(target: DatasetEventTarget): DatasetEventPreset {
    const connections = this.connectionNames();
    const connection = target.connection && connections.includes(target.connection)
      ? target.connection
      : this.deps.connections.active()?.name ?? null;
    return { connections, connection, uri: target.uri ?? '' };
  }

  private applyTarget(target: DatasetEventTarget): void {
    this.preset = this.presetFor(target);
    this.host.notify('preset', this.preset);
  }

  private async listDatasets(connection: string): Promise<DatasetEventMethods['listDatasets'][1]> {
    const client = await this.deps.connections.client(connection);
    const [info, datasets] = await Promise.all([client.serverInfo(), client.listDatasets()]);
    const choices = datasets
      .map((d): DatasetChoice => ({ uri: d.uri, name: d.name, consumingDags: [...d.consumingDags] }))
      .sort((a, b) => a.uri.localeCompare(b.uri));
    this.datasets.set(connection, choices);
    return { datasets: choices, server: `Airflow ${info.version}` };
  }

  private async fire(params: DatasetEventMethods['fire'][0]): Promise<FiredDatasetEvent> {
    const { connection } = params;
    const uri = params.uri.trim();
    if (!this.deps.connections.find(connection)) {
      throw new WorkbenchError(`Pick an Airflow connection: "${connection}" is not in the settings.`);
    }
    if (uri === '') throw new WorkbenchError('Give the dataset URI: pick one of the server\'s datasets or type it.');
    const extra = parseJsonObject(params.extraText, 'extra');
    if (!extra.ok) throw new WorkbenchError(extra.message);
    const client = await this.deps.connections.client(connection);
    const event = await client.createDatasetEvent(uri, extra.value);
    this.log.info(`Fired event #${event.id} on ${event.uri} (${connection})`);
    const known = this.datasets.get(connection) ?? (await this.listDatasets(connection).then((r) => r.datasets, () => []));
    const consumingDags = known.find((d) => d.uri === event.uri)?.consumingDags ?? [];
    this.deps.eventFired(connection, event.uri);
    this.startWatching(connection, event, consumingDags);
    return { connection, id: event.id, uri: event.uri, timestamp: event.timestamp, extra: event.extra, consumingDags };
  }

  /** Polls the event's created runs and their states; posts each change; stops by itself. */
  private startWatching(connection: string, event: DatasetEvent, consumingDags: readonly string[]): void {
    this.stopWatching();
    const watch: Watch = { timer: undefined, stopped: false };
    this.watch = watch;
    const started = Date.now();
    const backoff = new Backoff({ initialMs: 1500, factor: 1.4, maxMs: 10_000 });
    const runs = new Map<string, StartedRun>();
    let lastNewRunAt = started;

    const post = (watching: boolean, note: string): void => {
      this.host.notify('runs', { eventId: event.id, runs: [...runs.values()], watching, note });
    };

    if (consumingDags.length === 0) {
      post(false, 'No DAG is scheduled on this dataset, so this event starts no run.');
      return;
    }
    post(true, `Watching for the runs of ${consumingDags.join(', ')}…`);

    const tick = async (): Promise<void> => {
      let problem = '';
      try {
        const client = await this.deps.connections.client(connection);
        for (const run of await client.runsCreatedByEvent(event)) {
          const key = `${run.dagId}\u0000${run.runId}`;
          if (!runs.has(key)) lastNewRunAt = Date.now();
          const known = runs.get(key);
          runs.set(key, { dagId: run.dagId, runId: run.runId, state: known?.state ?? run.state });
        }
        await Promise.all([...runs.entries()].map(async ([key, run]) => {
          if (run.state !== null && !isActiveRunState(run.state)) return;
          const fresh = await client.getRun(run.dagId, run.runId);
          runs.set(key, { ...run, state: fresh.state });
        }));
      } catch (error) {
        this.log.warn(`Watching the runs of event #${event.id} failed: ${describeError(error)}`);
        problem = `Could not read the runs (${userMessage(error)}); trying again…`;
      }
      if (watch.stopped) return;
      const now = Date.now();
      const list = [...runs.values()];
      const allDone = list.length > 0 && list.every((r) => r.state !== null && !isActiveRunState(r.state));
      if (allDone && (list.length >= consumingDags.length || now - lastNewRunAt > SETTLE_MS)) {
        post(false, `${list.length === 1 ? 'The run' : `All ${list.length} runs`} finished.`);
        return;
      }
      if (now - started > WATCH_LIMIT_MS) {
        post(false, list.length === 0
          ? 'No run started within 3 minutes. A DAG scheduled on several datasets waits for all of them, and a paused DAG starts none.'
          : 'Stopped watching after 3 minutes; the DAGs view keeps showing their states.');
        return;
      }
      post(true, problem || (list.length === 0 ? `Waiting for the scheduler to start ${consumingDags.join(', ')}…` : `Watching ${list.length} run${list.length === 1 ? '' : 's'}…`));
      watch.timer = setTimeout(() => { void tick(); }, backoff.next());
    };
    watch.timer = setTimeout(() => { void tick(); }, backoff.next());
  }

  private stopWatching(): void {
    if (!this.watch) return;
    this.watch.stopped = true;
    if (this.watch.timer) clearTimeout(this.watch.timer);
    this.watch = undefined;
  }

  dispose(): void {
    if (DatasetEventPanel.current === this) DatasetEventPanel.current = undefined;
    this.stopWatching();
    this.host.dispose();
  }
}
