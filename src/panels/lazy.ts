/**
 * The panels, each loaded from its own file when it first opens (esbuild.js lazyChunks), so
 * activation neither parses nor runs them. Commands and restorers are registered at
 * activation and reach a panel through these functions; a top-level `import` of a panel module
 * would put it back into dist/extension.js (the build refuses it). Under tsx (tests) the
 * require()s reach the sources.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use, see esbuild.js lazyChunks */
import type * as BackfillPanelModule from './backfillPanel';
import type * as DagGraphPanelModule from './dagGraphPanel';
import type * as DatasetEventPanelModule from './datasetEventPanel';
import type * as InspectorChunk from './inspectorChunk';
import type * as ObjectPreviewPanelModule from './objectPreviewPanel';
import type * as ProducerPanelModule from './producerPanel';
import type * as TracePanelModule from './tracePanel';

/** The Message Inspector and its Kafka and history sources. */
export function inspectorPanel(): typeof InspectorChunk {
  return require('./inspectorChunk') as typeof InspectorChunk;
}

export function producerPanel(): typeof ProducerPanelModule.ProducerPanel {
  return (require('./producerPanel') as typeof ProducerPanelModule).ProducerPanel;
}

export function tracePanel(): typeof TracePanelModule.TracePanel {
  return (require('./tracePanel') as typeof TracePanelModule).TracePanel;
}

export function dagGraphPanel(): typeof DagGraphPanelModule.DagGraphPanel {
  return (require('./dagGraphPanel') as typeof DagGraphPanelModule).DagGraphPanel;
}

export function datasetEventPanel(): typeof DatasetEventPanelModule.DatasetEventPanel {
  return (require('./datasetEventPanel') as typeof DatasetEventPanelModule).DatasetEventPanel;
}

export function backfillPanel(): typeof BackfillPanelModule.BackfillPanel {
  return (require('./backfillPanel') as typeof BackfillPanelModule).BackfillPanel;
}

export function objectPreviewPanel(): typeof ObjectPreviewPanelModule.ObjectPreviewPanel {
  return (require('./objectPreviewPanel') as typeof ObjectPreviewPanelModule).ObjectPreviewPanel;
}
