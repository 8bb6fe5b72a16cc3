/**
 * The host side of the Backfill panel (Airflow 3): the form for one DAG (date range, reprocess
 * behaviour, max active runs, run backwards), a dry run that lists the logical dates before
 * anything starts, then the backfill's progress (runs done, running, failed) with pause, resume
 * and cancel, polled until it completes. Opened from a DAG (the form) or from a backfill in the
 * DAGs view (its progress). Every message from the webview is checked (backfillMessages.ts);
 * bad input comes back as a sentence in the form, not as a notification.
 */
import type * as vscode from 'vscode';
import { Airflow3OnlyError } from '../airflow/airflowClient';
import {
  BackfillRejectedError, backfillRequestFromForm, backfillStatus, checkBackfillRequest, defaultBackfillRange, type Backfill,
} from '../airflow/backfill';
import type { Dag } from '../airflow/types';
import type { AirflowConnections } from '../config/airflowConnections';
import { Backoff } from '../shared/backoff';
import { describeError, userMessage, WorkbenchError } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import type { BackfillForm, BackfillMethods, BackfillNotifications, BackfillPreset, BackfillStatus } from '../shared/protocol';
import { parseBackfillMessage } from './backfillMessages';
import { PanelHost } from './panelHost';

export interface BackfillPanelDeps {
  log: Logger;
  extensionUri: vscode.Uri;
  connections: AirflowConnections;
  revealRun: (connection: string, dagId: string, runId: string) => Promise<void>;
  /** A backfill of this DAG started or changed: the DAGs view reloads the DAG's rows. */
  backfillChanged: (connection: string, dagId: string) => void;
}

export interface BackfillTarget {
  connection: string;
  dag: Dag;
  /** Show this backfill's progress instead of an empty form. */
  backfillId?: number;
}

export class BackfillPanel implements vscode.Disposable {
  private static current: BackfillPanel | undefined;

  private readonly host: PanelHost<BackfillMethods, BackfillNotifications>;
  private readonly log: Logger;
  private target: BackfillTarget;
  private backfill: Backfill | undefined;
  /** Logical dates of the last dry run: the total shown before all runs exist. */
  private expected = 0;
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  /** The last status read, posted again when the page (re)loads. */
  private lastStatus: BackfillStatus | undefined;

  static show(deps: BackfillPanelDeps, target: BackfillTarget): BackfillPanel {
    const existing = BackfillPanel.current;
    if (existing) {
      existing.retarget(target);
      existing.host.reveal();
      return existing;
    }
    BackfillPanel.current = new BackfillPanel(deps, target);
    return BackfillPanel.current;
  }

  private constructor(private readonly deps: BackfillPanelDeps, target: BackfillTarget) {
    this.log = taggedLogger(deps.log, 'backfill');
    this.target = target;
    this.host = new PanelHost<BackfillMethods, BackfillNotifications>({
      viewType: 'kafkaAirflow.backfill',
      title: `Backfill ${target.dag.dagId}`,
      entry: 'backfill',
      extensionUri: deps.extensionUri,
      retainContextWhenHidden: true,
      log: this.log,
      name: 'the backfill panel',
      parse: parseBackfillMessage,
      handlers: {
        dryRun: (form) => this.dryRun(form),
        start: (form) => this.start(form),
        pause: () => this.change('pause'),
        resume: () => this.change('resume'),
        cancel: () => this.change('cancel'),
        revealRun: async ({ runId }) => {
          await this.deps.revealRun(this.target.connection, this.target.dag.dagId, runId);
          return null;
        },
      },
      // Refusals the user can fix are answers in the form, not failures for the log.
      expectedErrorText: (error) => (error instanceof BackfillRejectedError || error instanceof Airflow3OnlyError ? userMessage(error) : undefined),
      onReady: () => {
        this.postPreset();
        if (this.lastStatus) this.host.notify('status', this.lastStatus);
      },
      onDispose: () => { this.dispose(); },
    });
    if (target.backfillId !== undefined) void this.watchExisting(target.backfillId);
  }

  private retarget(target: BackfillTarget): void {
    const sameBackfill = target.backfillId !== undefined && target.backfillId === this.backfill?.id;
    this.target = target;
    this.host.panel.title = `Backfill ${target.dag.dagId}`;
    if (sameBackfill) return;
    this.stopWatching();
    this.backfill = undefined;
    this.lastStatus = undefined;
    this.expected = 0;
    this.postPreset();
    if (target.backfillId !== undefined) void this.watchExisting(target.backfillId);
  }

  private postPreset(): void {
    const { dag, connection, backfillId } = this.target;
    const preset: BackfillPreset = {
      connection,
      dagId: dag.dagId,
      schedule: dag.schedule,
      isPaused: dag.isPaused,
      ...defaultBackfillRange(new Date()),
      backfillId: backfillId ?? this.backfill?.id ?? null,
    };
    this.host.notify('preset', preset);
  }

  private async client(): Promise<Awaited<ReturnType<AirflowConnections['client']>>> {
    if (!this.deps.connections.find(this.target.connection)) {
      throw new WorkbenchError(`The Airflow connection "${this.target.connection}" is no longer in the settings. Open the backfill again from the DAGs view.`);
    }
    return this.deps.connections.client(this.target.connection);
  }

  /** The form's own checks, with every problem in one sentence (the same as the client makes, without a round trip). */
  private checkForm(form: BackfillForm): ReturnType<typeof backfillRequestFromForm> {
    const request = backfillRequestFromForm(this.target.dag.dagId, form);
    const problems = checkBackfillRequest(request, { now: new Date(), schedule: this.target.dag.schedule });
    if (problems.length > 0) throw new BackfillRejectedError(problems.map((p) => p.message).join(' '));
    return request;
  }

  private async dryRun(form: BackfillForm): Promise<{ dates: string[]; note: string }> {
    const request = this.checkForm(form);
    const client = await this.client();
    const dates = await client.dryRunBackfill(request);
    this.expected = dates.length;
    const note = dates.length === 0
      ? (form.reprocessBehavior === 'completed'
        ? 'No logical date to run in this range: there is none in it, or its runs are still running.'
        : `Every logical date in this range already has a run. To run them again, choose "${form.reprocessBehavior === 'none' ? 'failed' : 'completed'}" runs under Reprocess.`)
      : `${dates.length} run${dates.length === 1 ? '' : 's'} would start${form.runBackwards ? ', newest first' : ''}.`;
    return { dates, note };
  }

  private async start(form: BackfillForm): Promise<BackfillStatus> {
    const request = this.checkForm(form);
    const client = await this.client();
    const { dagId } = this.target.dag;
    if (form.unpause) {
      const dag = await client.getDag(dagId);
      if (dag.isPaused) {
        this.target = { ...this.target, dag: await client.setPaused(dagId, false) };
        this.log.info(`Unpaused ${dagId} so its backfill runs start`);
      }
    }
    if (this.expected === 0) {
      try {
        this.expected = (await client.dryRunBackfill(request)).length;
      } catch (error) {
        // The backfill itself is what was asked for; its progress then counts the runs Airflow lists, without a total.
        this.log.warn(`The dry run before the backfill of ${dagId} failed, so its progress has no total: ${describeError(error)}`);
      }
    }
    const backfill = await client.createBackfill(request);
    this.backfill = backfill;
    this.deps.backfillChanged(this.target.connection, dagId);
    return this.watch(backfill);
  }

  private async change(action: 'pause' | 'resume' | 'cancel'): Promise<BackfillStatus> {
    const current = this.backfill;
    if (!current) throw new BackfillRejectedError('No backfill is shown: start one first.');
    const client = await this.client();
    const changed = action === 'pause' ? await client.pauseBackfill(current.id)
      : action === 'resume' ? await client.resumeBackfill(current.id)
        : await client.cancelBackfill(current.id);
    this.log.info(`Backfill ${current.id} of ${current.dagId}: ${action}`);
    this.backfill = changed;
    this.deps.backfillChanged(this.target.connection, current.dagId);
    return this.watch(changed);
  }

  private async watchExisting(backfillId: number): Promise<void> {
    try {
      const client = await this.client();
      this.backfill = await client.getBackfill(backfillId);
      this.host.notify('status', await this.watch(this.backfill));
    } catch (error) {
      this.log.warn(`Reading backfill ${backfillId} failed: ${describeError(error)}`);
      this.host.notify('status', this.emptyStatus(backfillId, `Could not read backfill ${backfillId}: ${userMessage(error)}`));
    }
  }

  private emptyStatus(id: number, note: string): BackfillStatus {
    return {
      id, dagId: this.target.dag.dagId, range: '', state: 'completed', reprocessBehavior: '', maxActiveRuns: 0,
      total: 0, succeeded: 0, failed: 0, running: 0, queued: 0, summary: '', runs: [], watching: false, note,
    };
  }

  /** Reads the backfill and its runs now, posts them, and keeps polling (with backoff) until it completes. */
  private async watch(backfill: Backfill): Promise<BackfillStatus> {
    this.stopWatching();
    const generation = ++this.generation;
    const backoff = new Backoff({ initialMs: 1500, factor: 1.3, maxMs: 8000 });
    const read = async (): Promise<BackfillStatus> => {
      const client = await this.client();
      const fresh = await client.getBackfill(backfill.id);
      const runs = await client.listBackfillRuns(fresh);
      this.backfill = fresh;
      const done = fresh.completedAt !== null;
      const note = done
        ? (runs.length === 0 ? 'The backfill completed without runs (cancelled before any started, or nothing to run).' : 'The backfill completed.')
        : fresh.isPaused ? 'Paused: no new run starts until you resume; running ones finish.' : 'Running…';
      this.lastStatus = backfillStatus(fresh, runs, { expected: this.expected, watching: !done, note });
      return this.lastStatus;
    };
    const first = await read();
    const tick = async (): Promise<void> => {
      if (generation !== this.generation) return;
      let status: BackfillStatus | undefined;
      try {
        status = await read();
      } catch (error) {
        this.log.warn(`Reading backfill ${backfill.id} failed: ${describeError(error)}`);
      }
      if (generation !== this.generation) return;
      if (status) {
        this.host.notify('status', status);
        if (!status.watching) {
          this.deps.backfillChanged(this.target.connection, backfill.dagId);
          return;
        }
      }
      this.timer = setTimeout(() => { void tick(); }, backoff.next());
    };
    if (first.watching) this.timer = setTimeout(() => { void tick(); }, backoff.next());
    return first;
  }

  private stopWatching(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    if (BackfillPanel.current === this) BackfillPanel.current = undefined;
    this.stopWatching();
    this.host.dispose();
  }
}
