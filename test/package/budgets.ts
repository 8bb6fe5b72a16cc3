/**
 * The weight targets of the packaged extension, shared by the package checks
 * (test/package/vsix.test.ts) and the figures script (bench/bundle-weight.ts).
 * Decimal units: 1 MB = 1,000,000 bytes.
 */
export const MB = 1_000_000;

/**
 * The .vsix as downloaded from the Marketplace. 1.5 MB until the schemas, pipelines and daily
 * pipeline work: their heavy parts (serdes 365 kB, Parquet reader 64 kB, webviews) are files of
 * their own loaded on first use, and they still add 20 kB compressed to the package. 1.6 MB
 * until the producer's schema checks and the first-use files of activation: code split into six
 * files compresses a little worse than one (the .vsix reached 1.60 MB).
 */
export const VSIX_MAX_BYTES = 1.7 * MB;
/**
 * dist/extension.js, what the editor reads and parses at activation. 1.1 MB until the code
 * that showing the first trees does not need moved behind first use (esbuild.js lazyChunks and
 * kafkajsSpecifiers): the panels, the trace and Pipelines readers, the registry, object store
 * and mail clients and kafkajs are files of their own, and the bundle fell to 0.58 MB.
 */
export const EXTENSION_BUNDLE_MAX_BYTES = 0.7 * MB;
/** Any single file in the .vsix: none larger than the extension bundle may be. */
export const FILE_MAX_BYTES = EXTENSION_BUNDLE_MAX_BYTES;
/** Median time of require + activate() of dist/extension.js (bench/bundle-weight.ts). */
export const ACTIVATION_MAX_MS = 50;

/** Where `npm run package` writes the .vsix; KAW_VSIX overrides it, as for the end-to-end tests. */
export function vsixPath(root: string): string {
  return process.env.KAW_VSIX ?? `${root}/build/kafka-airflow-workbench.vsix`;
}
