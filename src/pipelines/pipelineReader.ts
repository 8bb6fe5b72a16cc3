/**
 * Reads the live figures of an example pipeline, stage by stage, with the extension's own
 * clients: the source API's count of records published since the ingestion checkpoint, the
 * topic's partitions and end offsets (KafkaService), the Spark checkpoint folder, the last
 * micro-batch and row counts (PipelineStore), the newest run of each stage's DAG
 * (AirflowClient). Each read fails on its own: a stage whose server does not answer shows why
 * while the others still show. No vscode.
 */
import type { AirflowClient } from '../airflow/airflowClient';
import type { KafkaService } from '../kafka/kafkaService';
import { describeError } from '../shared/errors';
import { WorkbenchError } from '../shared/errors';
import type { Logger } from '../shared/logger';
import {
  RECALLS_CHECKPOINT_PIPELINE,
  RECALLS_QUERY_NAME,
  stageFigures,
  type Fact,
  type PipelineDefinition,
  type StageDefinition,
  type StageFacts,
  type StageFigures,
} from './pipelineModel';
import { COUNTABLE_TABLES, type CountableTable, type PipelineStore } from './pipelineStore';
import { readCheckpoint } from './sparkCheckpoint';

export type PipelineKafkaApi = Pick<KafkaService, 'describeTopics'>;
export type PipelineAirflowApi = Pick<AirflowClient, 'listRuns'>;
export type PipelineStoreApi = Pick<PipelineStore, 'ingestCheckpoint' | 'lastSparkBatch' | 'countRows'>;

export interface PipelineReaderDeps {
  kafka: () => Promise<PipelineKafkaApi>;
  airflow: () => Promise<PipelineAirflowApi>;
  store: () => Promise<PipelineStoreApi>;
  /** The source API's base URL, e.g. http://127.0.0.1:8090. */
  sourceApiUrl: string;
  /** The Spark job's checkpoint folder. */
  sparkCheckpointDir: string;
  requestTimeoutMs: number;
  logger: Logger;
}

/** What the view shows for one stage: its definition, the facts and their wording. */
export interface StageReading {
  stage: StageDefinition;
  facts: StageFacts;
  figures: StageFigures;
}

export interface PipelineReading {
  pipeline: PipelineDefinition;
  stages: StageReading[];
  readAt: number;
  /** How long the whole read took. */
  elapsedMs: number;
}

async function fact<T>(read: () => Promise<T>): Promise<Fact<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

/** Records the source API holds since `publishedSince` (all of them when there is no checkpoint yet). */
export async function countSourceRecords(baseUrl: string, publishedSince: string | null, timeoutMs: number): Promise<number> {
  const url = new URL('/recalls/count', baseUrl);
  if (publishedSince !== null) url.searchParams.set('published_since', publishedSince);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? describeError(error);
    throw new WorkbenchError(`The source API at ${url.origin} does not answer (${cause}). Start it with \`bash stack/native/stack.sh up source-api\`, or set kafkaAirflow.pipelines.sourceApiUrl.`, { cause: error, actions: ['retry', 'showLog'] });
  }
  if (!response.ok) {
    throw new WorkbenchError(`The source API answered ${response.status} to ${url.pathname}${url.search}: ${(await response.text()).slice(0, 200)}`, { actions: ['retry', 'showLog'] });
  }
  const body = (await response.json()) as { count?: unknown };
  if (typeof body.count !== 'number') throw new WorkbenchError(`The source API's /recalls/count answer has no count: ${JSON.stringify(body).slice(0, 200)}`, { actions: ['showLog'] });
  return body.count;
}

export class PipelineReader {
  constructor(private readonly deps: PipelineReaderDeps) {}

  async readStage(stage: StageDefinition): Promise<StageReading> {
    const facts: StageFacts = {};
    const { deps } = this;
    const tasks: Promise<unknown>[] = [];
    const topic = stage.topics?.[0];
    if (stage.dagId && stage.kind !== 'topic') {
      tasks.push(fact(async () => (await (await deps.airflow()).listRuns(stage.dagId ?? '', { limit: 1, offset: 0 })).items[0] ?? null).then((f) => { facts.lastRun = f; }));
    }
    switch (stage.kind) {
      case 'sourceApi': {
        const checkpoint = await fact(async () => (await deps.store()).ingestCheckpoint(RECALLS_CHECKPOINT_PIPELINE));
        facts.ingestCheckpoint = checkpoint.ok ? { ok: true, value: checkpoint.value ?? { publishedSince: null, updatedAt: null, runId: null } } : checkpoint;
        const since = checkpoint.ok ? checkpoint.value?.publishedSince ?? null : null;
        tasks.push(fact(() => countSourceRecords(deps.sourceApiUrl, since, deps.requestTimeoutMs)).then((f) => { facts.apiPending = f; }));
        break;
      }
      case 'topic':
      case 'sparkJob':
        if (topic) tasks.push(fact(() => this.topicEnds(topic)).then((f) => { facts.topicEnds = f; }));
        if (stage.kind === 'sparkJob') {
          tasks.push(fact(() => readCheckpoint(deps.sparkCheckpointDir)).then((f) => { facts.checkpoint = f; }));
          tasks.push(fact(async () => (await deps.store()).lastSparkBatch(RECALLS_QUERY_NAME)).then((f) => { facts.lastBatch = f; }));
        }
        break;
      case 'table': {
        const table = stage.table as CountableTable;
        if (COUNTABLE_TABLES.includes(table)) tasks.push(fact(async () => (await deps.store()).countRows(table)).then((f) => { facts.tableRows = f; }));
        break;
      }
      case 'consumerDag':
        break;
    }
    await Promise.all(tasks);
    return { stage, facts, figures: stageFigures(stage, facts) };
  }

  private async topicEnds(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
    const details = (await (await this.deps.kafka()).describeTopics([topic])).get(topic);
    if (details === undefined) throw new WorkbenchError(`Topic ${topic} does not exist yet: the ingestion DAG creates it on its first run.`, { actions: [] });
    if (details instanceof Error) throw details;
    return details.partitionInfo.map((p) => ({ partition: p.partition, low: p.low, high: p.high }));
  }

  /** Every stage of the pipeline, read at the same time. */
  async read(pipeline: PipelineDefinition): Promise<PipelineReading> {
    const started = performance.now();
    const stages = await Promise.all(pipeline.stages.map((s) => this.readStage(s)));
    const elapsedMs = performance.now() - started;
    this.deps.logger.debug(`pipeline ${pipeline.id}: read ${stages.length} stage(s) in ${Math.round(elapsedMs)} ms`);
    return { pipeline, stages, readAt: Date.now(), elapsedMs };
  }
}
