/**
 * The webview view types of the panels that reopen after a window reload. Their restorers are
 * registered at activation, while the panels themselves load on first use (esbuild.js
 * lazyChunks), so the names live here, apart from the panels.
 */
export const INSPECTOR_VIEW_TYPE = 'kafkaAirflow.inspector';
export const PRODUCER_VIEW_TYPE = 'kafkaAirflow.producer';
export const TRACE_VIEW_TYPE = 'kafkaAirflow.trace';
