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

export type StatusRow =
  | { separator: string }
  | { label: string; description?: string; detail?: string; action: StatusAction };

export function statusRows(snapshot: StatusSnapshot): StatusRow[] {
  const rows: StatusRow[] = [{ separator: 'Kafka' }];
  for (const k of snapshot.kafka) {
    rows.push({
      label: `$(${k.connected ? 'plug' : 'debug-disconnect'}) ${k.name}`,
      description: k.brokers.join(', '),
      detail: k.connected ? 'Connected. Pick to connect again (drops the client, the next read reconnects).' : 'Not connected yet: it connects when a view or command needs it. Pick to connect afresh.',
      action: { kind: 'reconnectKafka', name: k.name },
    });
  }
  if (snapshot.kafka.length === 0) rows.push({ label: '$(add) Add Kafka Connection…', detail: 'No Kafka cluster is configured.', action: { kind: 'addKafka' } });

  rows.push({ separator: 'Airflow' });
  for (const a of snapshot.airflow) {
    rows.push({
      label: `$(${a.active ? 'pulse' : 'circle-outline'}) ${a.name}`,
      description: `${a.url}${a.active ? ' · active' : ''}`,
      detail: `${a.status}. Pick for the server status and to choose the active server.`,
      action: { kind: 'airflowStatus' },
    });
  }
  if (snapshot.airflow.length === 0) rows.push({ label: '$(add) Add Airflow Connection…', detail: 'No Airflow server is configured.', action: { kind: 'addAirflow' } });

  rows.push({ separator: 'Message history' });
  if (snapshot.history) {
    rows.push({
      label: `$(database) ${snapshot.history.address}`,
      detail: snapshot.history.connected ? 'Connected. Pick to connect again.' : 'Not connected yet: it connects when the Message History view or a search needs it. Pick to connect afresh.',
      action: { kind: 'reconnectHistory' },
    });
  } else {
    rows.push({ label: '$(database) Set History Database…', detail: 'No history database is configured.', action: { kind: 'setHistory' } });
  }

  rows.push({ separator: 'Local stack' });
  if (snapshot.stack.inUse) {
    rows.push({ label: `$(server) ${snapshot.stack.summary ?? 'Stack: not checked yet'}`, detail: 'Pick to open the Stack view (services, health, logs).', action: { kind: 'openStackView' } });
    rows.push({ label: '$(debug-stop) Stop Stack', action: { kind: 'stopStack' } });
  } else {
    rows.push({ label: '$(plug) Connect to Local Stack', detail: 'Adds the local Kafka, Airflow and history database as connections.', action: { kind: 'connectLocalStack' } });
    rows.push({ label: '$(rocket) Launch Stack', detail: 'Starts Kafka, PostgreSQL and Airflow on this machine.', action: { kind: 'launchStack' } });
  }

  rows.push({ separator: '' });
  rows.push({ label: '$(refresh) Refresh All Views', action: { kind: 'refreshAll' } });
  rows.push({ label: '$(output) Show Log', action: { kind: 'showLog' } });
  return rows;
}
