/**
 * The context keys the extension sets (with `setContext`) and package.json reads in `when`,
 * `enablement` and the walkthrough's `completionEvents`. Names only; the vscode layer sets
 * them (src/views/contextKeys.ts). A unit test checks package.json uses no other key.
 */
export const ContextKey = {
  /** At least one Kafka connection is configured: Kafka commands can pick one. */
  kafkaConfigured: 'kafkaAirflow.kafkaConfigured',
  /** At least one Airflow connection is configured. */
  airflowConfigured: 'kafkaAirflow.airflowConfigured',
  /** The message-history database is configured. */
  historyConfigured: 'kafkaAirflow.historyConfigured',
  /** The local stack is launched or connected in this profile (the Stack view lists it). */
  localStackInUse: 'kafkaAirflow.localStackInUse',
  /** Every service of the local stack answered healthy on the last check. */
  stackHealthy: 'kafkaAirflow.stackHealthy',
  /** Filters and searches that are on (their Clear commands show). */
  kafkaFiltered: 'kafkaAirflow.kafkaFiltered',
  dagsFiltered: 'kafkaAirflow.dagsFiltered',
  historySearched: 'kafkaAirflow.historySearched',
  // What really happened in this window, for the walkthrough's steps to complete themselves.
  produced: 'kafkaAirflow.walkthrough.produced',
  batchConsumerStarted: 'kafkaAirflow.walkthrough.batchConsumerStarted',
  traced: 'kafkaAirflow.walkthrough.traced',
  datasetEventFired: 'kafkaAirflow.walkthrough.datasetEventFired',
} as const;

export type ContextKey = (typeof ContextKey)[keyof typeof ContextKey];

/** The walkthrough's id in package.json (`contributes.walkthroughs[0].id`). */
export const WALKTHROUGH_ID = 'gettingStarted';
