/**
 * Joins Kafka coordinates → message-history row → batch-consumer run → dataset events →
 * downstream runs, for one message (traceMessage) or for every message of one consumer run
 * (traceBatch). Fetches from Airflow and PostgreSQL and hands the facts to the pure rules in
 * traceModel.ts. No vscode: the trace panel and the tests call it the same way.
 */
import type { AirflowClient } from '../airflow/airflowClient';
import type { DagRun, DatasetEvent } from '../airflow/types';
import type { MessageHistoryStore } from '../history/messageHistoryStore';
import { sparkPipelineOfTopic } from '../pipelines/pipelineModel';
import type { SparkTraceReader } from '../pipelines/sparkTrace';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import {
  BATCH_CONSUMER_DAG_ID,
  CONSUME_TASK_ID,
  deriveBatchTrace,
  deriveMessageTrace,
  type BatchTrace,
  type MessageCoordinates,
  type MessageTrace,
  type RunHistoryStats,
} from './traceModel';

/** The Airflow calls the trace needs (AirflowClient satisfies it). */
export type TraceAirflowApi = Pick<AirflowClient, 'getRun' | 'listTaskInstances' | 'listDatasetEvents'>;
/** The history calls the trace needs. */
export type TraceHistoryApi = Pick<MessageHistoryStore, 'findByCoordinates'>;
export interface RunHistoryApi {
  statsOfRun(consumerRunId: string): Promise<RunHistoryStats>;
}

const EVENTS_PAGE = 100;

export class TraceService {
  constructor(
    private readonly airflow: TraceAirflowApi,
    private readonly history: TraceHistoryApi,
    private readonly runHistory: RunHistoryApi,
    private readonly logger: Logger,
    /** Follows messages of a topic that a Spark job reads (the streaming pipeline); without it they trace like any topic. */
    private readonly spark?: Pick<SparkTraceReader, 'traceMessage'>,
  ) {}

  /** The dataset events a consumer run emitted (one per data type it loaded). */
  async eventsOfRun(dagId: string, runId: string): Promise<DatasetEvent[]> {
    const page = await this.airflow.listDatasetEvents({ sourceDagId: dagId, sourceRunId: runId, limit: EVENTS_PAGE, offset: 0 });
    // The filter is applied on the server for API v2; checked again so a server that ignores it cannot mislead.
    return page.items.filter((e) => e.sourceRunId === runId && (e.sourceDagId === null || e.sourceDagId === dagId));
  }

  /** The runs the events created, as they are now (state, start, end). */
  async runsCreatedBy(events: readonly DatasetEvent[]): Promise<DagRun[]> {
    const seen = new Map<string, { dagId: string; runId: string }>();
    for (const event of events) for (const run of event.createdRuns) seen.set(`${run.dagId}\u0000${run.runId}`, run);
    return Promise.all([...seen.values()].map((run) => this.airflow.getRun(run.dagId, run.runId)));
  }

  /** One message's journey. `producedAt` is the Kafka timestamp when the caller knows it. */
  async traceMessage(coordinates: MessageCoordinates, producedAt: number | null = null): Promise<MessageTrace> {
    if (!/^\d+$/.test(coordinates.offset) || !Number.isInteger(coordinates.partition) || coordinates.partition < 0 || coordinates.topic.trim() === '') {
      throw new WorkbenchError(`Give a topic, a partition (0 or more) and an offset (0 or more) to trace; got ${coordinates.topic} [${coordinates.partition}] @ ${coordinates.offset}.`, { actions: [] });
    }
    const sparkPipeline = sparkPipelineOfTopic(coordinates.topic);
    if (sparkPipeline && this.spark) return this.spark.traceMessage(sparkPipeline, this.airflow, coordinates, producedAt);
    const row = await this.history.findByCoordinates(coordinates.topic, coordinates.partition, coordinates.offset);
    if (!row?.consumerRunId) {
      return deriveMessageTrace({ coordinates, producedAt, row, consumerRun: undefined, consumeTask: undefined, events: [], downstreamRuns: [] });
    }
    const dagId = row.consumerDagId ?? BATCH_CONSUMER_DAG_ID;
    const runId = row.consumerRunId;
    const [consumerRun, tasks, runEvents] = await Promise.all([
      this.airflow.getRun(dagId, runId),
      this.airflow.listTaskInstances(dagId, runId),
      this.eventsOfRun(dagId, runId),
    ]);
    const events = runEvents.filter((e) => row.datasetUri === null || e.uri === row.datasetUri);
    const downstreamRuns = await this.runsCreatedBy(events);
    this.logger.debug(`trace ${coordinates.topic}[${coordinates.partition}]@${coordinates.offset}: run ${runId}, ${events.length} event(s), ${downstreamRuns.length} downstream run(s)`);
    return deriveMessageTrace({
      coordinates, producedAt, row, consumerRun,
      consumeTask: tasks.find((t) => t.taskId === CONSUME_TASK_ID), events, downstreamRuns,
    });
  }

  /** Every message of one consumer run, with counts per step and the slowest phase. */
  async traceBatch(runId: string, dagId: string = BATCH_CONSUMER_DAG_ID): Promise<BatchTrace> {
    const [consumerRun, tasks, history, events] = await Promise.all([
      this.airflow.getRun(dagId, runId),
      this.airflow.listTaskInstances(dagId, runId),
      this.runHistory.statsOfRun(runId),
      this.eventsOfRun(dagId, runId),
    ]);
    const downstreamRuns = await this.runsCreatedBy(events);
    return deriveBatchTrace({ consumerRun, tasks, history, events, downstreamRuns });
  }
}
