/**
 * The message-history store the trace needs: MessageHistoryStore (rows by id and by
 * coordinates) plus the per-run figures of RunHistoryReader and the streaming pipeline's
 * tables (PipelineStore), opened and closed together, so
 * the editor's HistoryDatabase can hand out one object for both. No vscode.
 */
import { MessageHistoryStore } from '../history/messageHistoryStore';
import type { HistoryStoreConfig } from '../history/types';
import { PipelineStore } from '../pipelines/pipelineStore';
import type { Logger } from '../shared/logger';
import { RunHistoryReader } from './runHistory';
import type { RunHistoryStats } from './traceModel';

export class TraceHistoryStore extends MessageHistoryStore {
  private readonly runs: RunHistoryReader;
  /** The streaming pipeline's tables in the same database (checkpoints, Spark batches, loaded rows). */
  readonly pipelines: PipelineStore;

  constructor(config: HistoryStoreConfig, logger: Logger) {
    super(config, logger);
    this.runs = new RunHistoryReader(config, logger);
    this.pipelines = new PipelineStore(config, logger);
  }

  /** Rows loaded by one batch-consumer run, folded (see RunHistoryReader.statsOfRun). */
  statsOfRun(consumerRunId: string): Promise<RunHistoryStats> {
    return this.runs.statsOfRun(consumerRunId);
  }

  override async dispose(): Promise<void> {
    await Promise.all([super.dispose(), this.runs.dispose(), this.pipelines.dispose()]);
  }
}
