/**
 * What the "Show Connections" quick pick lists (the stack status bar item opens it): every
 * Kafka cluster, Airflow server, the history database and the local stack, each with what it
 * is now and the actions that help (connect, reconnect, refresh, show the log). Pure: the
 * command layer (src/commands/status.ts) gathers the snapshot and runs the picked action.
 */

export type StatusAction =
  | { kind: 'addKafka' } | { kind: 'reconnectKafka'; name: string }
  | { kind: 'addAirflow' } | { kind: 'airflowStatus' }
  | { kind: 'setHistory' } | { kind: 'reconnectHistory' }
  | { kind: 'connectLocalStack' } | { kind: 'launchStack' } | { kind: 'stopStack' } | { kind: 'openStackView' }
  | { kind: 'refreshAll' } | { kind: 'showLog' };

export interface StatusSnapshot {
  kafka: { name: string; brokers: readonly string[]; connected: boolean }[];
  airflow: { name: string; url: string; active: boolean; status: string }[];
  history: { address: string; connected: boolean } | undefined;
  stack: { inUse: boolean; summary: string | undefined };
}

/**
 * Translates a message (vscode.l10n.t in the editor; `{0}`-style placeholders). This module
 * imports no vscode, so the caller passes it; tests use the English default.
 */
export type Translate = (message: string, ...args: (string | number | boolean)[]) => string;

export const english: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (whole, i: string) => String(args[Number(i)] ?? whole));

export type StatusRow =
  | { separator: string }
  | { label: string; description?: string; detail?: string; action: StatusAction };

export function statusRows(snapshot: StatusSnapshot, t: Translate = english): StatusRow[] {
  const rows: StatusRow[] = [{ separator: t('Kafka') }];
  for (const k of snapshot.kafka) {
    rows.push({
      label: `$(${k.connected ? 'plug' : 'debug-disconnect'}) ${k.name}`,
      description: k.brokers.join(', '),
      detail: k.connected ? t('Connected. Pick to connect again (drops the client, the next read reconnects).') : t('Not connected yet: it connects when a view or command needs it. Pick to connect afresh.'),
      action: { kind: 'reconnectKafka', name: k.name },
    });
  }
  if (snapshot.kafka.length === 0) rows.push({ label: `$(add) ${t('Add Kafka Connection…')}`, detail: t('No Kafka cluster is configured.'), action: { kind: 'addKafka' } });

  rows.push({ separator: t('Airflow') });
  for (const a of snapshot.airflow) {
    rows.push({
      label: `$(${a.active ? 'pulse' : 'circle-outline'}) ${a.name}`,
      description: a.active ? t('{0} · active', a.url) : a.url,
      detail: t('{0}. Pick for the server status and to choose the active server.', a.status),
      action: { kind: 'airflowStatus' },
    });
  }
  if (snapshot.airflow.length === 0) rows.push({ label: `$(add) ${t('Add Airflow Connection…')}`, detail: t('No Airflow server is configured.'), action: { kind: 'addAirflow' } });

  rows.push({ separator: t('Message history') });
  if (snapshot.history) {
    rows.push({
      label: `$(database) ${snapshot.history.address}`,
      detail: snapshot.history.connected ? t('Connected. Pick to connect again.') : t('Not connected yet: it connects when the Message History view or a search needs it. Pick to connect afresh.'),
      action: { kind: 'reconnectHistory' },
    });
  } else {
    rows.push({ label: `$(database) ${t('Set History Database…')}`, detail: t('No history database is configured.'), action: { kind: 'setHistory' } });
  }

  rows.push({ separator: t('Local stack') });
  if (snapshot.stack.inUse) {
    rows.push({ label: `$(server) ${snapshot.stack.summary ?? t('Stack: not checked yet')}`, detail: t('Pick to open the Stack view (services, health, logs).'), action: { kind: 'openStackView' } });
    rows.push({ label: `$(debug-stop) ${t('Stop Stack')}`, action: { kind: 'stopStack' } });
  } else {
    rows.push({ label: `$(plug) ${t('Connect to Local Stack')}`, detail: t('Adds the local Kafka, Airflow and history database as connections.'), action: { kind: 'connectLocalStack' } });
    rows.push({ label: `$(rocket) ${t('Launch Stack')}`, detail: t('Starts Kafka, PostgreSQL and Airflow on this machine.'), action: { kind: 'launchStack' } });
  }

  rows.push({ separator: '' });
  rows.push({ label: `$(refresh) ${t('Refresh All Views')}`, action: { kind: 'refreshAll' } });
  rows.push({ label: `$(output) ${t('Show Log')}`, action: { kind: 'showLog' } });
  return rows;
}
