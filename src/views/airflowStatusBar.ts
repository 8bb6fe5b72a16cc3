/**
 * The status bar item of the active Airflow connection: `$(pulse) Airflow 3.3.2 ✓` when the
 * server answers and is healthy, a warning background when a component is unhealthy, an
 * error background when it cannot be reached. Its click runs "Airflow Server Status", which
 * shows the details and lets the user pick the active connection. The first check runs a
 * few seconds after start-up (never during activation), then once a minute while the
 * window has focus.
 */
import * as vscode from 'vscode';
import type { AirflowConnections } from '../config/airflowConnections';
import { statusBarLook } from './airflow/presentation';

const FIRST_CHECK_DELAY_MS = 3000;
const CHECK_EVERY_MS = 60_000;

export class AirflowStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: { dispose(): unknown }[] = [];
  private firstCheck: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;

  constructor(private readonly connections: AirflowConnections, command: string) {
    this.item = vscode.window.createStatusBarItem('kafkaAirflow.airflowStatus', vscode.StatusBarAlignment.Left, 40);
    this.item.name = 'Airflow Server';
    this.item.command = command;
    this.disposables.push(
      this.item,
      connections.onDidChangeStatus((name) => {
        if (name === this.connections.active()?.name) this.update();
      }),
      connections.onDidChange(() => {
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

  private update(): void {
    const active = this.connections.active();
    if (!active) {
      this.item.hide();
      return;
    }
    const look = statusBarLook(active.name, active.url, this.connections.status(active.name));
    this.item.text = look.text;
    this.item.tooltip = look.tooltip;
    this.item.backgroundColor = look.background ? new vscode.ThemeColor(`statusBarItem.${look.background}Background`) : undefined;
    this.item.accessibilityInformation = { label: look.tooltip.split('\n').slice(0, 3).join('. ') };
    this.item.show();
  }

  dispose(): void {
    if (this.firstCheck) clearTimeout(this.firstCheck);
    this.stopPeriodic();
    for (const d of this.disposables) d.dispose();
  }
}
