/**
 * Test Connection for the history database: one query for the server's version and the row
 * count of message_history, on the store the Message History view uses, so a wrong password, a
 * missing database or a missing table fails with the store's sentence (src/history/errors.ts).
 */
import type { MessageHistoryStore } from './messageHistoryStore';

export interface HistoryTestReport {
  serverVersion: string;
  rows: number;
  elapsedMs: number;
}

export type TestedHistory = Pick<MessageHistoryStore, 'probe'>;

export async function testHistoryConnection(store: TestedHistory): Promise<HistoryTestReport> {
  const started = performance.now();
  const { serverVersion, rows } = await store.probe();
  return { serverVersion, rows, elapsedMs: Math.round(performance.now() - started) };
}

/** "History database workbench@127.0.0.1:5432/workbench: PostgreSQL 16.4, message_history has 1,204 rows, answered in 12 ms." */
export function historyTestSummary(where: string, report: HistoryTestReport): string {
  const rows = `${report.rows.toLocaleString('en-US')} ${report.rows === 1 ? 'row' : 'rows'}`;
  return `History database ${where}: PostgreSQL ${report.serverVersion}, message_history has ${rows}, answered in ${report.elapsedMs} ms.`;
}
