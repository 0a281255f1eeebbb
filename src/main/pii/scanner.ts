/**
 * Main's personal-data scanner: the shared detectors (src/shared/pii/detect.ts) plus secrets
 * (secretlint), with a small cache of recent texts, since a run sends the same system message
 * with every row and the detectors cost tens of milliseconds a kilobyte on prose.
 */
import type * as Detect from '../../shared/pii/detect';
import type * as Secrets from './secrets';
import { MAX_SCAN_CHARS, PII_KINDS, SCAN_BUDGET_MS, type PiiKind, type PiiSpan } from '../../shared/pii/kinds';

/**
 * The detectors are imported on the first scan: compromise, libphonenumber's metadata and
 * secretlint cost about 35 MB and half a second to load, and a run whose providers are all
 * local (or have the policy off) never scans.
 */
const detectors = async (): Promise<{ detect: typeof Detect; secrets: typeof Secrets }> => ({
  detect: await import('../../shared/pii/detect'),
  secrets: await import('./secrets'),
});
let loading: ReturnType<typeof detectors> | undefined;

const CACHE_ENTRIES = 256;
/** Texts longer than this are not kept in the cache (they rarely repeat, and would hold memory). */
const CACHE_MAX_CHARS = 50_000;

export interface PiiScanOutcome {
  spans: PiiSpan[];
  /** The whole text was read (within MAX_SCAN_CHARS and the time budget). */
  complete: boolean;
}

export class PiiScanner {
  private readonly cache = new Map<string, PiiScanOutcome>();

  constructor(private readonly budgetMs = SCAN_BUDGET_MS) {}

  /** The personal data of `kinds` in `text`, in order, without overlaps. */
  async scan(text: string, kinds: readonly PiiKind[] = PII_KINDS): Promise<PiiScanOutcome> {
    const key = `${kinds.join(',')}\u0000${text}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    loading ??= detectors();
    const { detect, secrets: found } = await loading;
    const shared = detect.scanPii(text, kinds, this.budgetMs);
    const read = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
    const secrets = kinds.includes('secret') ? await found.findSecrets(read) : [];
    const outcome = { spans: detect.resolveOverlaps([...shared.spans, ...secrets]), complete: shared.complete };
    if (text.length <= CACHE_MAX_CHARS) {
      if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value ?? '');
      this.cache.set(key, outcome);
    }
    return outcome;
  }
}
