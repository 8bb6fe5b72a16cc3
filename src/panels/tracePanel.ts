/**
 * The host side of the trace timeline (webview/src/trace.ts): one panel per traced message or
 * consumer run. It asks TraceService for the trace, posts it as a TraceView, and while a step
 * is still under way polls again with backoff; polling stops when everything is final, after
 * WATCH_LIMIT_MS, while the panel is hidden (it refreshes once shown again) and when closed.
 * Each step's actions are looked up here by index, never taken from the webview.
 */
import type * as vscode from 'vscode';
import { describeError, userMessage } from '../shared/errors';
import { taggedLogger, type Logger } from '../shared/logger';
import type { TraceMethods, TraceNotifications, TraceView } from '../shared/protocol';
import { visibleLabel } from '../shared/visibleText';
import type { BatchTrace, MessageCoordinates, MessageTrace, TraceLink } from '../trace/traceModel';
import type { TraceService } from '../trace/traceService';
import { batchTraceView, messageTraceView, parseTraceMessage } from '../trace/traceView';
import { PanelHost } from './panelHost';
import { TRACE_VIEW_TYPE } from './viewTypes';

export { TRACE_VIEW_TYPE };

/** How long a panel keeps polling active runs. */
export const WATCH_LIMIT_MS = 30 * 60_000;
const FIRST_INTERVAL_MS = 2_000;
const MAX_INTERVAL_MS = 15_000;

export type TraceTarget =
  | { kind: 'message'; coordinates: MessageCoordinates; producedAt?: number | null }
  | { kind: 'batch'; dagId: string; runId: string };

export interface TracePanelDeps {
  log: Logger;
  extensionUri: vscode.Uri;
  /** The trace service of the current connections (resolved on every refresh). */
  traceService: () => Promise<TraceService>;
  /** Carries out a step's action (open a run, a task log, a history row). */
  openLink: (link: TraceLink) => Promise<void>;
  /** Reports a failed action the way commands do (notification with next steps). */
  showError: (error: unknown) => void;
}

function keyOf(target: TraceTarget): string {
  return target.kind === 'message'
    ? `message:${target.coordinates.topic}:${target.coordinates.partition}:${target.coordinates.offset}`
    : `batch:${target.dagId}:${target.runId}`;
}

export class TracePanel implements vscode.Disposable {
  private static readonly open = new Map<string, TracePanel>();

  private readonly host: PanelHost<TraceMethods, TraceNotifications>;
  private readonly log: Logger;
  private readonly startedAt = Date.now();
  private disposed = false;
  private view: TraceView | undefined;
  private links: TraceLink[][] = [];
  private timer: NodeJS.Timeout | undefined;
  private interval = FIRST_INTERVAL_MS;
  private loading: Promise<void> | undefined;

  /**
   * Opens the trace of `target`, or brings its panel to the front and refreshes it.
   * `restoredPanel`: the tab VS Code kept across a window reload, to open the trace in.
   */
  static show(deps: TracePanelDeps, target: TraceTarget, restoredPanel?: vscode.WebviewPanel): TracePanel {
    const key = keyOf(target);
    const existing = TracePanel.open.get(key);
    if (existing) {
      restoredPanel?.dispose();
      existing.host.reveal();
      existing.restartWatch();
      return existing;
    }
    const panel = new TracePanel(deps, target, key, restoredPanel);
    TracePanel.open.set(key, panel);
    return panel;
  }

  private constructor(private readonly deps: TracePanelDeps, private readonly target: TraceTarget, private readonly key: string, restoredPanel?: vscode.WebviewPanel) {
    this.log = taggedLogger(deps.log, 'trace');
    this.host = new PanelHost<TraceMethods, TraceNotifications>({
      viewType: TRACE_VIEW_TYPE,
      ...(restoredPanel ? { restoredPanel } : {}),
      title: target.kind === 'message'
        ? `Trace ${target.coordinates.topic}[${target.coordinates.partition}]@${target.coordinates.offset}`
        : `Batch Trace ${visibleLabel(target.runId)}`,
      entry: 'trace',
      extensionUri: deps.extensionUri,
      // Hidden panels lose their page; the new page says `ready` again and the trace is reloaded.
      retainContextWhenHidden: false,
      log: this.log,
      name: 'the trace panel',
      parse: parseTraceMessage,
      handlers: {
        refresh: async () => {
          this.interval = FIRST_INTERVAL_MS;
          await this.refresh();
          return null;
        },
        openLink: async ({ step, link }) => {
          const target = this.links[step]?.[link];
          if (!target) throw new Error('That action is no longer on the trace; it was refreshed. Try again.');
          await this.deps.openLink(target);
          return null;
        },
      },
      onReady: () => {
        this.host.notify('restore', this.target);
        if (this.view) this.host.notify('trace', this.view);
        // First shown, or shown again after being hidden: load afresh and poll while active.
        this.restartWatch();
      },
      // A step's action the user clicked failed: tell them the way commands do, with next steps.
      onFailure: (error) => { this.deps.showError(error); },
      onDispose: () => {
        this.disposed = true;
        this.stopTimer();
        TracePanel.open.delete(this.key);
      },
    });
    this.host.register(this.host.panel.onDidChangeViewState(() => {
      if (!this.host.panel.visible) this.stopTimer();
    }));
    void this.refresh();
  }

  private restartWatch(): void {
    this.interval = FIRST_INTERVAL_MS;
    void this.refresh();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Loads the trace once, posts it, and schedules the next poll while something is active. */
  private refresh(): Promise<void> {
    if (this.loading) return this.loading;
    this.stopTimer();
    this.loading = this.load().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async load(): Promise<void> {
    if (this.disposed) return;
    let active = false;
    try {
      const service = await this.deps.traceService();
      const withinLimit = Date.now() - this.startedAt < WATCH_LIMIT_MS;
      if (this.target.kind === 'message') {
        const trace: MessageTrace = await service.traceMessage(this.target.coordinates, this.target.producedAt ?? null);
        active = trace.active && withinLimit;
        this.view = messageTraceView(trace, active);
        this.links = trace.steps.map((s) => s.links);
      } else {
        const trace: BatchTrace = await service.traceBatch(this.target.runId, this.target.dagId);
        active = trace.active && withinLimit;
        this.view = batchTraceView(trace, active);
        this.links = trace.steps.map((s) => s.links);
      }
    } catch (error) {
      this.log.warn(`Refreshing ${this.key} failed: ${describeError(error)}`);
      const message = `${userMessage(error)} Use Refresh to try again.`;
      this.view = this.view
        ? { ...this.view, watching: false, error: message, updatedAt: new Date().toISOString() }
        : { title: 'Trace', subtitle: '', steps: [], counts: [], slowest: null, watching: false, updatedAt: new Date().toISOString(), error: message, note: null };
    }
    // Closed while the trace was loading: nothing to post, nothing to schedule.
    if (this.isClosed()) return;
    this.host.notify('trace', this.view);
    if (active && this.host.panel.visible) {
      this.timer = setTimeout(() => { void this.refresh(); }, this.interval);
      this.interval = Math.min(MAX_INTERVAL_MS, Math.round(this.interval * 1.5));
    }
  }

  /** A method, not the field, so the check after an await is not narrowed away. */
  private isClosed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.host.dispose();
  }
}
