/**
 * The Pipelines view: each example pipeline (the streaming one: source API → topic → Spark job
 * → table; the batch one: topic → kafka_batch_consumer → message_history) with its stages and
 * their live figures under them. While the view is visible it reads the figures again every
 * kafkaAirflow.pipelines.refreshSeconds (and right after Start Pipeline); hidden, it reads
 * nothing. A stage's row opens its own view (Open Stage); a pipeline's row starts its DAGs.
 */
import * as vscode from 'vscode';
import type { PipelineReader, PipelineReading, StageReading } from '../../pipelines/pipelineReader';
import { PIPELINES, type PipelineDefinition, type StageHealth } from '../../pipelines/pipelineModel';
import { CommandId } from '../../shared/commandIds';
import { Disposable } from '../../shared/disposable';
import { describeError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';

export type PipelineNode =
  | { kind: 'pipeline'; pipeline: PipelineDefinition }
  | { kind: 'stage'; pipeline: PipelineDefinition; stage: StageReading }
  | { kind: 'figure'; pipeline: PipelineDefinition; stageId: string; index: number; label: string; value: string };

/** Context values package.json's menus match. */
export const PIPELINE_CONTEXT = 'pipeline';
export const stageContext = (kind: string): string => `pipelineStage.${kind}`;

const ICONS: Record<StageHealth, vscode.ThemeIcon> = {
  ok: new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed')),
  behind: new vscode.ThemeIcon('arrow-circle-right', new vscode.ThemeColor('charts.yellow')),
  waiting: new vscode.ThemeIcon('circle-outline'),
  error: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

const KIND_ICONS: Record<string, string> = { sourceApi: 'cloud-download', topic: 'symbol-event', sparkJob: 'zap', consumerDag: 'run-all', table: 'database' };

export class PipelinesTreeProvider extends Disposable implements vscode.TreeDataProvider<PipelineNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PipelineNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly readings = new Map<string, PipelineReading>();
  private readonly errors = new Map<string, string>();
  private reading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private visible = false;

  /**
   * `configured`: whether any connection is set up; until then the view is empty and shows its
   * welcome content (Connect to Local Stack) instead of figures that could only say "not set up".
   */
  constructor(private readonly reader: () => PipelineReader, private readonly refreshMs: () => number, private readonly log: Logger, private readonly configured: () => boolean = () => true) {
    super();
    this._register(this.changed);
  }

  /** The figures as last read (tests and the summary read them). */
  latest(pipelineId: string): PipelineReading | undefined {
    return this.readings.get(pipelineId);
  }

  /** Reads every pipeline's figures again; the view updates when they arrive. */
  refresh(): Promise<void> {
    this.reading ??= this.readAll().finally(() => { this.reading = undefined; });
    return this.reading;
  }

  private async readAll(): Promise<void> {
    if (!this.configured()) {
      this.readings.clear();
      this.changed.fire(undefined);
      return;
    }
    const reader = this.reader();
    await Promise.all(PIPELINES.map(async (pipeline) => {
      try {
        this.readings.set(pipeline.id, await reader.read(pipeline));
        this.errors.delete(pipeline.id);
      } catch (error) {
        this.errors.set(pipeline.id, describeError(error));
        this.log.warn(`Pipelines: reading ${pipeline.id} failed: ${describeError(error)}`);
      }
    }));
    this.changed.fire(undefined);
  }

  createView(id: string): vscode.TreeView<PipelineNode> {
    const view = vscode.window.createTreeView(id, { treeDataProvider: this, showCollapseAll: true });
    const follow = (visible: boolean): void => {
      this.visible = visible;
      if (visible) this.schedule(0);
      else if (this.timer) { clearTimeout(this.timer); this.timer = undefined; }
    };
    this._register(view, view.onDidChangeVisibility((e) => { follow(e.visible); }));
    follow(view.visible);
    return view;
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh().finally(() => { if (this.visible) this.schedule(this.refreshMs()); });
    }, delayMs);
  }

  getChildren(element?: PipelineNode): PipelineNode[] {
    if (!element) return this.configured() ? PIPELINES.map((pipeline) => ({ kind: 'pipeline', pipeline })) : [];
    if (element.kind === 'pipeline') {
      const reading = this.readings.get(element.pipeline.id);
      if (!reading) return [];
      return reading.stages.map((stage) => ({ kind: 'stage', pipeline: element.pipeline, stage }));
    }
    if (element.kind === 'stage') {
      return element.stage.figures.lines.map((line, index) => ({ kind: 'figure', pipeline: element.pipeline, stageId: element.stage.stage.id, index, label: line.label, value: line.value }));
    }
    return [];
  }

  getTreeItem(node: PipelineNode): vscode.TreeItem {
    switch (node.kind) {
      case 'pipeline': {
        const item = new vscode.TreeItem(node.pipeline.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `pipeline:${node.pipeline.id}`;
        const reading = this.readings.get(node.pipeline.id);
        const error = this.errors.get(node.pipeline.id);
        item.description = error ? vscode.l10n.t('cannot read: {0}', error) : reading ? node.pipeline.description : vscode.l10n.t('reading…');
        item.tooltip = `${node.pipeline.label}\n${node.pipeline.description}\n${vscode.l10n.t('DAGs: {0}', node.pipeline.dags.join(' → '))}${reading ? `\n${vscode.l10n.t('Read at {0} in {1} ms', new Date(reading.readAt).toLocaleTimeString(), Math.round(reading.elapsedMs))}` : ''}`;
        item.iconPath = new vscode.ThemeIcon('type-hierarchy-sub');
        item.contextValue = PIPELINE_CONTEXT;
        return item;
      }
      case 'stage': {
        const { stage, figures } = node.stage;
        const item = new vscode.TreeItem(stage.label, figures.lines.length > 0 ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.id = `pipeline:${node.pipeline.id}:${stage.id}`;
        item.description = figures.summary;
        item.iconPath = figures.health === 'ok' ? new vscode.ThemeIcon(KIND_ICONS[stage.kind] ?? 'circle-filled') : ICONS[figures.health];
        item.tooltip = `${stage.label}: ${figures.summary}\n${figures.lines.map((l) => `${l.label}: ${l.value}`).join('\n')}`;
        item.contextValue = stageContext(stage.kind);
        item.accessibilityInformation = { label: `${stage.label}: ${figures.summary}` };
        item.command = { command: CommandId.openPipelineStage, title: vscode.l10n.t('Open Stage'), arguments: [node] };
        return item;
      }
      case 'figure': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
        item.id = `pipeline:${node.pipeline.id}:${node.stageId}:${node.index}:${node.label}`;
        item.description = node.value;
        item.tooltip = `${node.label}: ${node.value}`;
        item.contextValue = 'pipelineFigure';
        return item;
      }
    }
  }

  override dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    super.dispose();
  }
}
