/**
 * The errors AirflowClient throws on purpose, so the editor layer can recognize them by class:
 * refused credentials (offer to re-enter them), a DAG that is gone (drop it from the tree),
 * and an answer that is not what the API documents (name the endpoint and the field).
 * All are WorkbenchErrors: their message is the sentence a user sees.
 */
import { WorkbenchError, type ErrorAction } from '../shared/errors';
import { CommandId } from '../shared/commandIds';

/**
 * The command that lets a user enter an Airflow connection's password or token again
 * (CommandId.reenterAirflowPassword; this layer does not import the command ids). Given the
 * connection's name it asks for that connection's secret; without it, it asks which one first.
 */

/** The action "Re-enter Password" (or Token) for the connection named `connectionName`, when known. */
export function reenterCredentialsAction(title: string, connectionName?: string): ErrorAction {
  return connectionName === undefined
    ? { title, command: CommandId.reenterAirflowPassword }
    : { title, command: CommandId.reenterAirflowPassword, args: [connectionName] };
}

/** Airflow answered 401 or 403: the password, token or user's permissions were refused. */
export class AirflowAuthError extends WorkbenchError {
  readonly status: number;
  readonly serverUrl: string;

  constructor(message: string, status: number, serverUrl: string, options: { cause?: unknown; actions?: readonly ErrorAction[] } = {}) {
    super(message, {
      cause: options.cause,
      actions: options.actions ?? [reenterCredentialsAction('Re-enter Password'), 'showLog'],
    });
    this.name = 'AirflowAuthError';
    this.status = status;
    this.serverUrl = serverUrl;
  }
}

/** The DAG does not exist (any more) on the server: deleted, renamed, or its file failed to parse. */
export class DagNotFoundError extends WorkbenchError {
  readonly dagId: string;

  constructor(dagId: string, serverUrl: string, options: { cause?: unknown } = {}) {
    super(
      `DAG "${dagId}" no longer exists on Airflow at ${serverUrl}. It may have been deleted or renamed, or its file failed to parse: refresh the DAGs view and check the import errors.`,
      { cause: options.cause, actions: ['retry', 'showLog'] },
    );
    this.name = 'DagNotFoundError';
    this.dagId = dagId;
  }
}

/** A run, task instance or other object inside a DAG that the server does not know. */
export class AirflowNotFoundError extends WorkbenchError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause, actions: ['retry', 'showLog'] });
    this.name = 'AirflowNotFoundError';
  }
}

/**
 * The server answered, but not with what the Airflow API documents: an HTML page from a proxy
 * or login wall, a field that changed type, a missing field. Names the endpoint and the field.
 */
export class AirflowResponseError extends WorkbenchError {
  readonly endpoint: string;

  constructor(message: string, endpoint: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause, actions: ['showLog'] });
    this.name = 'AirflowResponseError';
    this.endpoint = endpoint;
  }
}
