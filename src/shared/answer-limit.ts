/**
 * The cap on what Parallax keeps of one answer (src/main/runner/answer-cap.ts does the cutting):
 * its default and bounds, shared by the contract, Settings and the CLI.
 */

/** Bytes (UTF-8) of an answer kept by default: 1 MB. */
export const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;
/** The smallest and largest caps a person may set: 1 KB and 64 MB. */
export const MIN_MAX_ANSWER_BYTES = 1024;
export const MAX_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** A size as a person reads it: 1 MB, 50 MB, 1.5 MB, 800 KB, 312 bytes (1 MB = 1,048,576 bytes). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    const mb = bytes / 1024 / 1024;
    return `${mb >= 10 || Number.isInteger(mb) ? Math.round(mb).toLocaleString('en-US') : mb.toFixed(1)} MB`;
  }
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} byte${bytes === 1 ? '' : 's'}`;
}
