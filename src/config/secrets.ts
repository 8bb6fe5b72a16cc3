/**
 * Credentials live only in the editor's SecretStorage, each bound to what it unlocks (see
 * src/shared/credentials.ts): the key is made from the target's identity, so a connection
 * of the same name that points elsewhere never receives it. Beside the secrets, the global
 * state remembers which target each connection's secret was saved for (no secret in it), so
 * that a changed target is explained instead of silently asking again.
 */
import type * as vscode from 'vscode';
import {
  LegacySecretKey,
  secretKeyOf,
  targetChangedMessage,
  targetFingerprint,
  type SecretKind,
  type SecretTarget,
} from '../shared/credentials';
import type { AirflowConnection, HistoryConnection, KafkaConnection } from '../shared/connections';
import { airflowTarget, historyTarget, kafkaPasswordTarget } from '../shared/credentials';

const TARGETS_KEY = 'kafkaAirflow.secretTargets';

interface SavedTarget {
  fingerprint: string;
  description: string;
}

/** The answer of `Secrets.read`: the secret, or why there is none. */
export type SecretLookup =
  | { kind: 'found'; value: string }
  | { kind: 'missing' }
  /** A secret was saved for this connection name, but for another target: the message says which. */
  | { kind: 'targetChanged'; message: string };

export class Secrets {
  /** The migration of old name-keyed secrets, if one runs: reads wait for it. It never rejects. */
  private migration: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {}

  private saved(): Record<string, SavedTarget> {
    return this.state.get<Record<string, SavedTarget>>(TARGETS_KEY) ?? {};
  }

  private static slot(target: SecretTarget): string {
    return `${target.kind}|${target.name}`;
  }

  /** The secret of a target, or why there is none; `what` names it in the message ("password"). */
  async read(target: SecretTarget, what: string): Promise<SecretLookup> {
    await this.migration;
    const value = await this.storage.get(secretKeyOf(target));
    if (value !== undefined) return { kind: 'found', value };
    const previous = this.saved()[Secrets.slot(target)];
    if (previous && previous.fingerprint !== targetFingerprint(target)) {
      return { kind: 'targetChanged', message: targetChangedMessage(what, target, previous.description) };
    }
    return { kind: 'missing' };
  }

  async store(target: SecretTarget, value: string): Promise<void> {
    await this.storage.store(secretKeyOf(target), value);
    const saved = this.saved();
    saved[Secrets.slot(target)] = { fingerprint: targetFingerprint(target), description: target.description };
    await this.state.update(TARGETS_KEY, saved);
  }

  /** Deletes the secret of a target and forgets the connection's saved target. */
  async delete(target: SecretTarget): Promise<void> {
    await this.storage.delete(secretKeyOf(target));
    const slot = Secrets.slot(target);
    if (this.saved()[slot]?.fingerprint === targetFingerprint(target)) {
      await this.state.update(TARGETS_KEY, Object.fromEntries(Object.entries(this.saved()).filter(([key]) => key !== slot)));
    }
  }

  /** Deletes every secret saved under a connection's name for `kinds`, whatever target it was for. */
  async forget(name: string, kinds: readonly SecretKind[], current: readonly SecretTarget[]): Promise<void> {
    for (const target of current) await this.storage.delete(secretKeyOf(target));
    const slots = new Set(kinds.map((kind) => `${kind}|${name}`));
    await this.state.update(TARGETS_KEY, Object.fromEntries(Object.entries(this.saved()).filter(([key]) => !slots.has(key))));
  }

  /** True when a SecretStorage change event is about this target's secret. */
  static isKeyOf(eventKey: string, target: SecretTarget): boolean {
    return eventKey === secretKeyOf(target);
  }

  get onDidChange(): vscode.Event<vscode.SecretStorageChangeEvent> {
    return this.storage.onDidChange;
  }

  /**
   * Moves the secrets that earlier releases kept by connection name to identity-bound keys.
   * Only connections from the user's own settings are migrated, each to the target its user
   * setting names: a folder's settings cannot claim a name-keyed secret on the way. Every
   * old key that is found is deleted, migrated or not. Returns how many were migrated.
   */
  migrateLegacy(user: { kafka: KafkaConnection[]; airflow: AirflowConnection[]; history: HistoryConnection | undefined },
    otherNames: { kafka: string[]; airflow: string[] }): Promise<number> {
    const run = this.moveLegacy(user, otherNames);
    // Reads wait for the move; its failure is reported by the caller, and reads then go on.
    this.migration = run.catch(() => undefined);
    return run;
  }

  private async moveLegacy(user: { kafka: KafkaConnection[]; airflow: AirflowConnection[]; history: HistoryConnection | undefined },
    otherNames: { kafka: string[]; airflow: string[] }): Promise<number> {
    let migrated = 0;
    const move = async (legacyKey: string, target: SecretTarget | undefined): Promise<void> => {
      const value = await this.storage.get(legacyKey);
      if (value === undefined) return;
      if (target && value !== '') {
        await this.store(target, value);
        migrated++;
      }
      await this.storage.delete(legacyKey);
    };
    for (const c of user.kafka) {
      await move(LegacySecretKey.kafkaPassword(c.name), c.saslMechanism !== 'none' && c.saslMechanism !== 'oauthbearer' ? kafkaPasswordTarget(c) : undefined);
    }
    for (const c of user.airflow) {
      await move(LegacySecretKey.airflowPassword(c.name), c.auth === 'password' ? airflowTarget(c) : undefined);
      await move(LegacySecretKey.airflowToken(c.name), c.auth === 'token' ? airflowTarget(c) : undefined);
    }
    await move(LegacySecretKey.historyPassword(), user.history ? historyTarget(user.history) : undefined);
    for (const name of otherNames.kafka) await move(LegacySecretKey.kafkaPassword(name), undefined);
    for (const name of otherNames.airflow) {
      await move(LegacySecretKey.airflowPassword(name), undefined);
      await move(LegacySecretKey.airflowToken(name), undefined);
    }
    return migrated;
  }
}
