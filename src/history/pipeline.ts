/**
 * The words of the Message Inspector's "Pipeline" section for a message-history row: which
 * batch-consumer run loaded it, which dataset event it went into, and which downstream run
 * processed it (or that none has yet). Pure: the webview renders these lines as text, and
 * unit tests check them without a browser.
 */
import type { InspectorPipeline } from '../shared/protocol';

export interface PipelineLine {
  /** What the line is about: "Consumed", "Dataset" or "Processed". */
  label: string;
  text: string;
  /** The run the line names, when it names one (for its "Trace Message" action). */
  run?: { dagId: string; runId: string };
}

function runText(dagId: string | null, runId: string | null): string {
  if (dagId !== null && runId !== null) return `${dagId} / ${runId}`;
  if (runId !== null) return runId;
  if (dagId !== null) return `${dagId} (run id not recorded)`;
  return 'an unrecorded run';
}

function runOf(dagId: string | null, runId: string | null): { run?: { dagId: string; runId: string } } {
  return dagId !== null && runId !== null ? { run: { dagId, runId } } : {};
}

/** The section's three lines; `formatTime` turns ms since the epoch into the panel's time format. */
export function pipelineLines(pipeline: InspectorPipeline, formatTime: (ms: number) => string): PipelineLine[] {
  const processed = pipeline.processedAt !== null || pipeline.processedByRunId !== null || pipeline.processedByDagId !== null;
  return [
    {
      label: 'Consumed',
      text: `by ${runText(pipeline.consumerDagId, pipeline.consumerRunId)} at ${formatTime(pipeline.consumedAt)}`,
      ...runOf(pipeline.consumerDagId, pipeline.consumerRunId),
    },
    {
      label: 'Dataset',
      text: pipeline.datasetUri ?? 'no dataset event recorded for this row',
    },
    processed
      ? {
        label: 'Processed',
        text: `by ${runText(pipeline.processedByDagId, pipeline.processedByRunId)}${pipeline.processedAt !== null ? ` at ${formatTime(pipeline.processedAt)}` : ''}`,
        ...runOf(pipeline.processedByDagId, pipeline.processedByRunId),
      }
      : { label: 'Processed', text: 'not processed yet' },
  ];
}
