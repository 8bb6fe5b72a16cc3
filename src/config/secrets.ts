/**
 * Credentials live only in the editor's SecretStorage. This module names every key the
 * extension uses, so no other code builds secret keys by hand.
 */
import type * as vscode from 'vscode';

export const SecretKey = {
  kafkaPassword: (connectionName: string) => `kafkaAirflow.kafka.${connectionName}.password`,
  airflowPassword: (connectionName: string) => `kafkaAirflow.airflow.${connectionName}.password`,
  airflowToken: (connectionName: string) => `kafkaAirflow.airflow.${connectionName}.token`,
  historyPassword: () => 'kafkaAirflow.history.password',
} as const;

export class Secrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  get(key: string): Thenable<string | undefined> {
    return this.storage.get(key);
  }

  store(key: string, value: string): Thenable<void> {
    return this.storage.store(key, value);
  }

  delete(key: string): Thenable<void> {
    return this.storage.delete(key);
  }

  get onDidChange(): vscode.Event<vscode.SecretStorageChangeEvent> {
    return this.storage.onDidChange;
  }
}
