/**
 * Turns what pg throws into a WorkbenchError whose sentence names the database and says what
 * to do: a refused connection, a refused password (with "Re-enter Password"), a database or
 * table that does not exist, a query that ran out of time. Pure: pg errors are recognised by
 * their SQLSTATE code and Node errors by their system code.
 */
import { explainNetworkError, WorkbenchError, type ErrorAction } from '../shared/errors';
import { CommandId } from '../shared/commandIds';

/** The command that asks for the history connection and password again (src/commands/connections.ts). */

const REENTER: ErrorAction = { title: 'Re-enter Password', command: CommandId.setHistoryConnection };
const SET_CONNECTION: ErrorAction = { title: 'Set History Database', command: CommandId.setHistoryConnection };

/** Where the store connects, for the sentences. */
export interface HistoryErrorContext {
  host: string;
  port: number;
  database: string;
  user: string;
  ssl: boolean;
  timeoutMs: number;
  /** The table as the SQL names it, e.g. message_history or "scratch"."message_history". */
  table: string;
}

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function historyError(error: unknown, context: HistoryErrorContext): WorkbenchError {
  if (error instanceof WorkbenchError) return error;
  const where = `${context.host}:${context.port}`;
  const seconds = Math.round(context.timeoutMs / 1000);
  const make = (message: string, actions: readonly ErrorAction[]): WorkbenchError => new WorkbenchError(message, { cause: error, actions });
  switch (sqlState(error)) {
    case '28P01':
      return make(`PostgreSQL refused the password for user ${context.user}: re-enter it.`, [REENTER, 'showLog']);
    case '28000':
      return make(
        `PostgreSQL at ${where} does not let user ${context.user} into database ${context.database} (${messageOf(error)}). Check the user in the history connection, or the server's pg_hba.conf${context.ssl ? '' : '; the server may require TLS'}.`,
        [SET_CONNECTION, 'showLog'],
      );
    case '3D000':
      return make(
        `Database ${context.database} does not exist on PostgreSQL at ${where}. Create it, or set the history connection to the database the batch consumer writes to.`,
        [SET_CONNECTION, 'retry'],
      );
    case '3F000':
      return make(`The schema of ${context.table} does not exist in database ${context.database}. Check the schema name.`, ['showLog']);
    case '42P01':
      return make(
        `The database has no message_history table yet: start the batch consumer once or run stack/sql/001_message_history.sql (database ${context.database} at ${where}).`,
        ['retry', 'showLog'],
      );
    case '42703':
      return make(
        `The message_history table in ${context.database} lacks a column the extension reads (${messageOf(error)}). Run the batch consumer once (it applies the migrations of stack/sql it has not seen), or apply stack/sql/*.sql in name order, to bring it up to date.`,
        ['showLog'],
      );
    case '42501':
      return make(
        `User ${context.user} may not read ${context.table} (${messageOf(error)}). Grant it SELECT on the table, or use the user the batch consumer writes with.`,
        [SET_CONNECTION, 'showLog'],
      );
    case '57014':
      return make(
        `The history query took longer than ${seconds} s and was stopped. Narrow the search (a topic, a day) or raise kafkaAirflow.requestTimeoutSeconds.`,
        ['retry', 'openSettings'],
      );
    case '53300':
      return make(`PostgreSQL at ${where} has no free connection slots. Close other clients or try again shortly.`, ['retry']);
    case '57P01':
    case '57P02':
    case '57P03':
      return make(`PostgreSQL at ${where} is shutting down or starting up. Try again once it runs.`, ['retry']);
    default:
      break;
  }
  const network = explainNetworkError(error, 'PostgreSQL', where);
  if (network) return make(network, ['retry', SET_CONNECTION]);
  const message = messageOf(error);
  if (/does not support SSL/i.test(message)) {
    return make(`PostgreSQL at ${where} does not accept TLS. Turn off "ssl" in kafkaAirflow.history.connection.`, ['openSettings']);
  }
  if (/timeout|timed out/i.test(message)) {
    return make(
      `PostgreSQL at ${where} did not answer within ${seconds} s. Check that it runs and is reachable, or raise kafkaAirflow.requestTimeoutSeconds.`,
      ['retry', 'openSettings'],
    );
  }
  if (/Connection terminated/i.test(message)) {
    return make(`PostgreSQL at ${where} closed the connection (${message}). Check that it runs, then retry.`, ['retry', 'showLog']);
  }
  return make(`The message history at ${where}/${context.database} failed: ${message}`, ['retry', 'showLog']);
}
