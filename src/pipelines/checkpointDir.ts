/**
 * The default of the Pipelines view's checkpoint folder setting, apart from the checkpoint
 * parser (src/pipelines/sparkCheckpoint.ts) so that the settings do not load the parser at
 * activation. No vscode import.
 */
import { join } from 'node:path';

/**
 * Where the stack keeps the streaming job's checkpoint: one folder per streaming query under
 * $KAW_SPARK_CHECKPOINT_DIR (what `stack.sh env` exports and the Spark DAG uses), else under
 * $KAW_STATE/spark/checkpoints ($KAW_STATE defaults to ~/.cache/kafka-airflow-workbench/state,
 * like stack/native/lib/common.sh).
 */
export function defaultSparkCheckpointDir(env: Readonly<Record<string, string | undefined>>, home: string, queryName = 'product_recalls_to_postgres'): string {
  if (env.KAW_SPARK_CHECKPOINT_DIR) return join(env.KAW_SPARK_CHECKPOINT_DIR, queryName);
  const cache = env.KAW_CACHE || join(home, '.cache', 'kafka-airflow-workbench');
  const state = env.KAW_STATE || join(cache, 'state');
  return join(state, 'spark', 'checkpoints', queryName);
}
