/**
 * The panels, loaded from their own file (dist/panels.js, see panelsChunk.ts) when the first
 * one opens, so activation neither parses nor runs them. Commands and restorers are registered
 * at activation and reach a panel through these functions; a top-level `import` of the panels
 * would put them back into dist/extension.js (the build refuses it). Under tsx (tests) the
 * require() reaches the sources.
 */
import type * as PanelsChunk from './panelsChunk';

function panels(): typeof PanelsChunk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js lazyChunks
  return require('./panelsChunk') as typeof PanelsChunk;
}

/** The Message Inspector and its Kafka and history sources. */
export function inspectorPanel(): Pick<typeof PanelsChunk, 'InspectorPanel' | 'KafkaInspectorSource' | 'HistoryInspectorSource'> {
  return panels();
}

export function producerPanel(): typeof PanelsChunk.ProducerPanel {
  return panels().ProducerPanel;
}

export function tracePanel(): typeof PanelsChunk.TracePanel {
  return panels().TracePanel;
}

export function dagGraphPanel(): typeof PanelsChunk.DagGraphPanel {
  return panels().DagGraphPanel;
}

export function datasetEventPanel(): typeof PanelsChunk.DatasetEventPanel {
  return panels().DatasetEventPanel;
}

export function backfillPanel(): typeof PanelsChunk.BackfillPanel {
  return panels().BackfillPanel;
}

export function objectPreviewPanel(): typeof PanelsChunk.ObjectPreviewPanel {
  return panels().ObjectPreviewPanel;
}
