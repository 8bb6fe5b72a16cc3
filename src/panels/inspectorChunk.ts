/**
 * The Message Inspector with its two sources (a Kafka topic, the message history): one file
 * loaded when an inspector first opens (esbuild.js lazyChunks), not at activation.
 */
export { InspectorPanel } from './inspectorPanel';
export { KafkaInspectorSource } from './kafkaInspectorSource';
export { HistoryInspectorSource } from './historyInspectorSource';
