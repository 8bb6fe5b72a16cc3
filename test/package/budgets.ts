/**
 * The weight targets of the packaged extension, shared by the package checks
 * (test/package/vsix.test.ts) and the figures script (bench/bundle-weight.ts).
 * Decimal units: 1 MB = 1,000,000 bytes.
 */
export const MB = 1_000_000;

/** The .vsix as downloaded from the Marketplace. */
export const VSIX_MAX_BYTES = 1.5 * MB;
/** dist/extension.js, what the editor reads and parses at activation. */
export const EXTENSION_BUNDLE_MAX_BYTES = 1 * MB;
/** Any single file in the .vsix. */
export const FILE_MAX_BYTES = 1 * MB;
/** Median time of require + activate() of dist/extension.js (bench/bundle-weight.ts). */
export const ACTIVATION_MAX_MS = 50;

/** Where `npm run package` writes the .vsix; KAW_VSIX overrides it, as for the end-to-end tests. */
export function vsixPath(root: string): string {
  return process.env.KAW_VSIX ?? `${root}/build/kafka-airflow-workbench.vsix`;
}
