/**
 * The status bar item of the active Airflow connection: `$(pulse) Airflow 3.3.2 ✓` when the
 * server answers and is healthy, a warning background when a component is unhealthy, an
 * error background when a check failed, with the reason in the tooltip (credentials refused
 * or missing, unreachable, an error answer). Its click runs "Airflow Server Status", which
 * shows the details and lets the user pick the active connection, or, when the credentials
 * were the problem, asks for them again. The first check runs a few seconds after start-up
 * (never during activation), then once a minute while the window has focus; after a failure
 * it checks again sooner (5 s, 10 s, 20 s, 40 s, then every minute) until the server answers.
 * A change of the active connection's setting or secret checks again at once.
 */
import * as vscode from 'vscode';
import type { AirflowConnections } from '../config/airflowConnections';
import { statusBarLook, statusRetryDelayMs } from '../airflow/presentation';
import { Disposable } from '../shared/disposable';

const FIRST_CHECK_DELAY_MS = 3000;
const CHECK_EVERY_MS = 60_000;

export class AirflowStatusBar extends Disposable implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private firstCheck: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  /** The next check after a failure, and when it fires. */
  private retry: { timer: NodeJS.Timeout; at: number } | undefined;
  /** Failed checks in a row of the active connection: sets how long the next retry waits. */
  private failures = 0;
  /** The connection and answer (by its check time) the failure count and retry were last set for. */
  private counted: { name: string; checkedAt: number } | undefined;

  constructor(
    private readonly connections: AirflowConnections,
    private readonly statusCommand: string,
    private readonly reenterCredentialsCommand: string,
  ) {
    super();
    this.item = vscode.window.createStatusBarItem('kafkaAirflow.airflowStatus', vscode.StatusBarAlignment.Left, 40);
    this.item.name = 'Airflow Server';
    this.item.command = statusCommand;
    this._register(
      this.item,
      connections.onDidChangeStatus((name) => {
        if (name === this.connections.active()?.name) this.statusChanged();
      }),
      connections.onDidChange(() => {
        this.resetRetry();
        this.update();
        this.checkActive();
      }),
      vscode.window.onDidChangeWindowState((state) => {
        if (state.focused) this.schedulePeriodic();
        else this.stopPeriodic();
      }),
    );
    this.update();
    this.firstCheck = setTimeout(() => {
      this.firstCheck = undefined;
      this.checkActive();
      this.schedulePeriodic();
    }, FIRST_CHECK_DELAY_MS);
  }

  /** Asks the active server for version and health now. */
  checkActive(): void {
    const active = this.connections.active();
    if (active) void this.connections.checkStatus(active.name);
  }

  private schedulePeriodic(): void {
    if (this.periodic || this.firstCheck) return;
    this.periodic = setInterval(() => { this.checkActive(); }, CHECK_EVERY_MS);
  }

  private stopPeriodic(): void {
    if (this.periodic) clearInterval(this.periodic);
    this.periodic = undefined;
  }

  /** A new answer of the active server: count failures in a row and plan the next retry, then redraw. */
  private statusChanged(): void {
    const active = this.connections.active();
    const status = active ? this.connections.status(active.name) : undefined;
    if (active && this.counted && this.counted.name !== active.name) this.resetRetry();
    if (status?.kind === 'ok') {
      this.resetRetry();
    } else if (active && status?.kind === 'error' && status.checkedAt !== this.counted?.checkedAt) {
      this.counted = { name: active.name, checkedAt: status.checkedAt };
      this.failures++;
      this.clearRetryTimer();
      const delay = statusRetryDelayMs(this.failures);
      this.retry = {
        at: Date.now() + delay,
        timer: setTimeout(() => {
          this.retry = undefined;
          this.checkActive();
        }, delay),
      };
    }
    this.update();
  }

  private clearRetryTimer(): void {
    if (this.retry) clearTimeout(this.retry.timer);
    this.retry = undefined;
  }

  private resetRetry(): void {
    this.clearRetryTimer();
    this.failures = 0;
    this.counted = undefined;
  }

  private update(): void {
    const active = this.connections.active();
    if (!active) {
      this.item.hide();
      return;
    }
    const look = statusBarLook(active.name, active.url, this.connections.status(active.name), {
      auth: active.auth,
      retryInMs: this.retry ? Math.max(0, this.retry.at - Date.now()) : undefined,
    });
    this.item.text = look.text;
    this.item.tooltip = look.tooltip;
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
    this.item.accessibilityInformation = { label: look.tooltip.split('\n').filter((line) => line !== '').slice(0, 3).join(' ') };
    this.item.command = look.click === 'reenterCredentials'
      ? { title: 'Enter Airflow Credentials', command: this.reenterCredentialsCommand, arguments: [active.name] }
      : this.statusCommand;
    this.item.show();
  }

  override dispose(): void {
    if (this.firstCheck) clearTimeout(this.firstCheck);
    this.stopPeriodic();
    this.clearRetryTimer();
    super.dispose();
  }
}
