/**
 * The webview panels with what only they use (the inspector's Kafka and history sources, the
 * producer form, the trace, DAG graph, dataset event, backfill and object preview panels): one
 * file, loaded when the first panel opens or a tab of one is restored (esbuild.js lazyChunks,
 * src/panels/lazy.ts), not at activation. One file rather than one each: the .vsix stays
 * smaller (one compression dictionary) and the first panel costs a few milliseconds more.
 */
export { InspectorPanel } from './inspectorPanel';
export { KafkaInspectorSource } from './kafkaInspectorSource';
export { HistoryInspectorSource } from './historyInspectorSource';
export { ProducerPanel } from './producerPanel';
export { TracePanel } from './tracePanel';
export { DagGraphPanel } from './dagGraphPanel';
export { DatasetEventPanel } from './datasetEventPanel';
export { BackfillPanel } from './backfillPanel';
export { ObjectPreviewPanel } from './objectPreviewPanel';
