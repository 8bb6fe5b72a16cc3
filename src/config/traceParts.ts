/**
 * What a trace and the Pipelines view's figures are read with: the trace service, its history
 * store, the Pipelines reader, the Spark checkpoint parser and the trace through Spark. One file
 * loaded on first use (esbuild.js lazyChunks) through TraceConnections, not at activation.
 */
export { TraceHistoryStore } from '../trace/traceHistoryStore';
export { TraceService } from '../trace/traceService';
export { PipelineReader } from '../pipelines/pipelineReader';
export { readCheckpoint } from '../pipelines/sparkCheckpoint';
export { SparkTraceReader } from '../pipelines/sparkTrace';
