/**
 * The status bar item of the bundled stack: "$(server) Stack: 11/11 healthy" (Spark, which runs
 * no process of its own, is not counted: see summarizeStack), a spinner while
 * Launch Stack runs, a warning background when a service is unhealthy or down. A click runs
 * `clickCommand` (Show Connections: what is connected, with actions). It shows once the local stack is in use (launched or connected) and
 * rechecks once a minute while the window has focus (the Stack view polls faster while it
 * is visible; both read the same monitor).
 */
import * as vscode from 'vscode';
import type { StackHealthMonitor } from '../stack/healthMonitor';
import { statusBarText, statusBarTooltip, summarizeStack } from '../stack/stackSummary';
import { ViewFocusCommandId } from '../shared/commandIds';
import { Disposable } from '../shared/disposable';

const FIRST_CHECK_DELAY_MS = 4000;
const CHECK_EVERY_MS = 60_000;

export class StackStatusBar extends Disposable implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly monitor: StackHealthMonitor,
    private readonly localStackInUse: () => boolean,
    private readonly kindLabel: () => string,
    clickCommand: string = ViewFocusCommandId.stack,
  ) {
    super();
    this.item = vscode.window.createStatusBarItem('kafkaAirflow.stackStatus', vscode.StatusBarAlignment.Left, 39);
    this.item.name = 'Kafka Airflow Stack';
    this.item.command = clickCommand;
    this._register(this.item, monitor.onDidChange(() => { this.update(); }));
    this.update();
    this.timers.push(
      setTimeout(() => { this.checkIfInUse(); }, FIRST_CHECK_DELAY_MS),
      setInterval(() => { if (vscode.window.state.focused) this.checkIfInUse(); }, CHECK_EVERY_MS),
    );
  }

  private checkIfInUse(): void {
    if (this.localStackInUse()) void this.monitor.check();
  }

  /** Redraws from the monitor's latest result. */
  update(): void {
    const launching = this.monitor.launching;
    if (!launching && !this.localStackInUse()) {
      this.item.hide();
      return;
    }
    const services = this.monitor.latest;
    this.item.text = statusBarText(services, launching);
    this.item.tooltip = statusBarTooltip(services, this.kindLabel());
    const overall = services ? summarizeStack(services).overall : 'starting';
    const warn = !launching && (overall === 'unhealthy' || overall === 'stopped');
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.accessibilityInformation = { label: this.item.text.replace(/\$\([^)]*\)\s*/g, '') };
    this.item.show();
  }

  override dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    super.dispose();
  }
}
