/**
 * Turns a MessageTrace or BatchTrace into the plain TraceView the trace webview shows
 * (src/shared/protocol.ts), and checks what the webview sends back. The texts stay as they
 * are (the webview shows hidden characters as styled escapes); the view's note counts them.
 * Pure, no vscode.
 */
import type { TraceLinkView, TraceMethods, TraceStepView, TraceView } from '../shared/protocol';
import { countHiddenCharacters, hiddenCharactersNote } from '../shared/visibleText';
import { formatDurationMs } from '../shared/durations';
import type { BatchTrace, MessageTrace, TraceLink, TraceStep } from './traceModel';
import { isRecord } from '../shared/guards';

export function linkView(link: TraceLink): TraceLinkView {
  switch (link.kind) {
    case 'run': return { label: `Open run ${link.runId} of ${link.dagId} in Airflow`, icon: 'link-external' };
    case 'taskLog': return { label: `Show log of ${link.taskId}`, icon: 'output' };
    case 'historyRow': return { label: `Open history row ${link.rowId}`, icon: 'database' };
    case 'sparkCheckpoint': return { label: `Show checkpoint of batch ${link.batchId}`, icon: 'file' };
    case 'tableRow': return { label: `Open row ${link.key} of ${link.table}`, icon: 'database' };
    case 'message': return { label: `Trace ${link.topic} [${link.partition}] @ ${link.offset}`, icon: 'debug-step-into' };
  }
}

function stepView(step: TraceStep): TraceStepView {
  return {
    kind: step.kind,
    status: step.status,
    title: step.title,
    detail: step.detail,
    at: step.at === null ? null : new Date(step.at).toISOString(),
    duration: step.durationMs === null ? null : formatDurationMs(step.durationMs),
    links: step.links.map(linkView),
  };
}

/**
 * The note of a view whose DAG ids, run ids, dataset URIs or topic hold invisible or
 * bidirectional characters: how many the page shows as escapes; null when none.
 */
export function traceNote(view: Omit<TraceView, 'note'>): string | null {
  const texts = [view.title, view.subtitle, view.slowest ?? '', ...view.counts.map((c) => `${c.label} ${c.value}`),
    ...view.steps.flatMap((s) => [s.title, s.detail, ...s.links.map((l) => l.label)])];
  const count = texts.reduce((sum, text) => sum + countHiddenCharacters(text), 0);
  return count === 0 ? null : `${hiddenCharactersNote(count)}. The names themselves are unchanged.`;
}

function withNote(view: Omit<TraceView, 'note'>): TraceView {
  return { ...view, note: traceNote(view) };
}

export function messageTraceView(trace: MessageTrace, watching: boolean, error: string | null = null): TraceView {
  const { topic, partition, offset } = trace.coordinates;
  return withNote({
    title: `Trace of ${topic} [${partition}] @ ${offset}`,
    subtitle: trace.route ?? 'Kafka → batch consumer → message history → dataset event → downstream run',
    steps: trace.steps.map(stepView),
    counts: [],
    slowest: null,
    watching,
    updatedAt: new Date().toISOString(),
    error,
  });
}

export function batchTraceView(trace: BatchTrace, watching: boolean, error: string | null = null): TraceView {
  const { counts } = trace;
  const states = Object.entries(counts.downstreamByState).map(([s, n]) => `${n} ${s}`).join(', ');
  return withNote({
    title: `Batch trace of ${trace.consumerRun.dagId} run ${trace.consumerRun.runId}`,
    subtitle: `Consumer run ${trace.consumerRun.state}`,
    steps: trace.steps.map(stepView),
    counts: [
      { label: 'Messages in the offset ranges read', value: String(counts.messagesInRange) },
      { label: 'Rows loaded into the history', value: String(counts.loadedRows) },
      { label: 'Rows processed downstream', value: String(counts.processedRows) },
      { label: 'Dataset events', value: String(counts.events) },
      { label: 'Downstream runs', value: `${counts.downstreamRuns}${states ? ` (${states})` : ''}` },
      ...trace.phases.map((p) => ({ label: p.label, value: formatDurationMs(p.durationMs) })),
    ],
    slowest: trace.slowest ? `${trace.slowest.label} took ${formatDurationMs(trace.slowest.durationMs)}` : null,
    watching,
    updatedAt: new Date().toISOString(),
    error,
  });
}

export type TraceRequest = { [M in keyof TraceMethods]: { kind: 'request'; id: number; method: M; params: TraceMethods[M][0] } }[keyof TraceMethods];

const isIndex = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** Checks a message from the trace webview; anything else is undefined (dropped and logged). */
export function parseTraceMessage(raw: unknown): { kind: 'ready' } | TraceRequest | undefined {
  if (!isRecord(raw)) return undefined;
  if (raw['kind'] === 'ready') return { kind: 'ready' };
  if (raw['kind'] !== 'request' || typeof raw['id'] !== 'number') return undefined;
  const { id, method, params } = raw;
  if (method === 'refresh') return { kind: 'request', id, method, params: {} };
  if (method === 'openLink' && isRecord(params) && isIndex(params['step']) && isIndex(params['link'])) {
    return { kind: 'request', id, method, params: { step: params['step'], link: params['link'] } };
  }
  return undefined;
}
