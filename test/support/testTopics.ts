/**
 * Tidies up after a test or benchmark that wrote to the shared native stack: it deletes the
 * Kafka topics it made and, for runs that went through the pipeline, the message-history rows
 * the batch consumer loaded from them. Without this the Kafka and Message History views of the
 * developer's stack fill up with test topics run after run.
 *
 * A failure to tidy up does not fail the test (what it checked stands), and it is not dropped
 * either: it is printed with what was left behind and how to remove it by hand.
 */
import pg from 'pg';
import type { KafkaService } from '../../src/kafka/kafkaService';
import { describeError } from '../../src/shared/errors';
import { localStack } from '../../src/stack/localStack';

export interface RemoveOptions {
  /** Also delete the message-history rows loaded from these topics (database workbench of the native stack). */
  historyRows?: boolean;
}

/** Deletes `topics` from the broker behind `kafka` (and their history rows when asked); prints what it could not remove. */
export async function removeTestTopics(kafka: KafkaService, topics: readonly string[], options: RemoveOptions = {}): Promise<void> {
  for (const topic of topics) {
    try {
      await kafka.deleteTopic(topic);
    } catch (error) {
      console.warn(`# left topic ${topic} on the broker: ${describeError(error)} (remove it from the Kafka view or with kafka-topics.sh --delete)`);
    }
  }
  if (options.historyRows) await removeHistoryRows(topics);
}

/** Deletes the message-history rows of `topics` from the native stack's history database. */
export async function removeHistoryRows(topics: readonly string[]): Promise<void> {
  if (topics.length === 0) return;
  const { host, port, database, user } = localStack.history;
  const client = new pg.Client({ host, port, database, user, password: localStack.historyPassword, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('DELETE FROM message_history WHERE topic = ANY($1::text[])', [topics]);
  } catch (error) {
    console.warn(`# left the history rows of ${topics.join(', ')} in ${database}: ${describeError(error)} (DELETE FROM message_history WHERE topic = '…')`);
  } finally {
    await client.end().catch((error: unknown) => { console.warn(`# closing the history connection failed: ${describeError(error)}`); });
  }
}
