/**
 * The summary of Start Pipeline: the runs of the pipeline's DAGs, one after the other, and what
 * moved between the figures read before and after (records ingested into the topic, Spark
 * micro-batches with rows in and written, rows added to the table). Pure, so the sentence is
 * unit-tested; the command reads the figures with PipelineReader. No vscode.
 */
import type { DagRun } from '../airflow/types';
import type { PipelineReading } from './pipelineReader';

export interface PipelineRunSummary {
  text: string;
  succeeded: boolean;
}

function topicTotal(reading: PipelineReading | undefined): bigint | undefined {
  const ends = reading?.stages.find((s) => s.stage.kind === 'topic')?.facts.topicEnds;
  return ends?.ok ? ends.value.reduce((a, p) => a + BigInt(p.high), 0n) : undefined;
}

function tableRows(reading: PipelineReading | undefined): number | undefined {
  const rows = reading?.stages.find((s) => s.stage.kind === 'table')?.facts.tableRows;
  return rows?.ok ? rows.value : undefined;
}

function lastBatchId(reading: PipelineReading | undefined): number | undefined {
  const batch = reading?.stages.find((s) => s.stage.kind === 'sparkJob')?.facts.lastBatch;
  return batch?.ok && batch.value ? batch.value.batchId : undefined;
}

function lastBatchText(reading: PipelineReading | undefined): string | undefined {
  const batch = reading?.stages.find((s) => s.stage.kind === 'sparkJob')?.facts.lastBatch;
  return batch?.ok && batch.value ? `last micro-batch #${batch.value.batchId}: ${batch.value.rowsIn ?? '?'} in, ${batch.value.rowsWritten ?? '?'} written` : undefined;
}

/** One paragraph for the log and the notification. */
export function describePipelineRun(label: string, runs: readonly DagRun[], before: PipelineReading | undefined, after: PipelineReading | undefined, planned: number): PipelineRunSummary {
  const succeeded = runs.length === planned && runs.every((r) => r.state === 'success');
  const runText = runs.map((r) => `${r.dagId} run ${r.runId} ${r.state === 'success' ? 'succeeded' : r.state}`).join(', ');
  const parts: string[] = [];
  const t0 = topicTotal(before);
  const t1 = topicTotal(after);
  if (t0 !== undefined && t1 !== undefined) parts.push(`${t1 - t0} message(s) added to the topic (end offsets ${t0} → ${t1})`);
  const b0 = lastBatchId(before);
  const b1 = lastBatchId(after);
  const batchText = lastBatchText(after);
  if (b1 !== undefined && b1 !== b0) {
    const count = b0 === undefined ? b1 + 1 : b1 - b0;
    parts.push(`${count} Spark micro-batch(es), ${batchText ?? ''}`);
  } else if (after?.stages.some((s) => s.stage.kind === 'sparkJob')) {
    parts.push('no new Spark micro-batch');
  }
  const r0 = tableRows(before);
  const r1 = tableRows(after);
  if (r1 !== undefined) parts.push(`the table has ${r1} row(s)${r0 !== undefined ? ` (+${r1 - r0})` : ''}`);
  const lag = after?.stages.find((s) => s.stage.kind === 'sparkJob')?.figures.summary.match(/^lag (\d+)/)?.[1];
  if (lag !== undefined) parts.push(`Spark lag ${lag}`);
  const head = succeeded ? `Pipeline ${label} ran: ${runText}` : `Pipeline ${label} stopped: ${runText}${runs.length < planned ? ` (${planned - runs.length} DAG(s) not started)` : ''}`;
  return { text: `${head}${parts.length > 0 ? `; ${parts.join(', ')}` : ''}.`, succeeded };
}
