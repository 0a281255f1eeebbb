/**
 * Personal data Parallax looks for before a request leaves the machine (docs/architecture.md,
 * "Personal data"): the kinds, their placeholders, and the per-provider policy. No detector is
 * imported here, so the page can name kinds without carrying the detectors' libraries.
 */
import { z } from 'zod';

export const PII_KINDS = ['email', 'phone', 'card', 'iban', 'national_id', 'ip', 'address', 'person', 'secret'] as const;
export const piiKindSchema = z.enum(PII_KINDS);
export type PiiKind = z.infer<typeof piiKindSchema>;

/** The placeholder's tag for each kind: `[EMAIL_1]`. */
export const PII_TAGS: Readonly<Record<PiiKind, string>> = {
  email: 'EMAIL',
  phone: 'PHONE',
  card: 'CARD',
  iban: 'IBAN',
  national_id: 'NATIONAL_ID',
  ip: 'IP',
  address: 'ADDRESS',
  person: 'PERSON',
  secret: 'SECRET',
};

/** How a kind is said in a sentence ("2 email, 1 phone"). */
export const PII_LABELS: Readonly<Record<PiiKind, string>> = {
  email: 'email',
  phone: 'phone',
  card: 'card',
  iban: 'IBAN',
  national_id: 'national ID',
  ip: 'IP address',
  address: 'address',
  person: 'name',
  secret: 'secret',
};

/** Default time a scan may take: past it the scan stops and says it is incomplete. */
export const SCAN_BUDGET_MS = 5_000;

/** Characters of a text that are scanned; past this nothing is read, so a request that long is never sent masked. */
export const MAX_SCAN_CHARS = 1_000_000;

/** One piece of personal data found in a text: `text` is `source.slice(start, end)`. */
export interface PiiSpan {
  kind: PiiKind;
  start: number;
  end: number;
  text: string;
}

/**
 * What happens to a request to a provider: `off` sends it as it is; `warn` sends it as it is and
 * marks the cell; `mask` sends placeholders and restores them in the answer; `block` sends nothing.
 */
export const piiPolicySchema = z.enum(['off', 'warn', 'mask', 'block']);
export type PiiPolicy = z.infer<typeof piiPolicySchema>;

/** A provider's choices as saved; absent fields take the defaults (`defaultPii`). */
export const piiSettingsSchema = z.object({
  /** Requests leave this machine. Default: the base URL's host is not loopback. */
  remote: z.boolean().optional(),
  policy: piiPolicySchema.optional(),
});
export type PiiSettings = z.infer<typeof piiSettingsSchema>;

/** A provider's policy as it applies, with where each half came from. */
export const effectivePiiSchema = z.object({
  remote: z.boolean(),
  policy: piiPolicySchema,
  /** The person set `remote` / `policy` (else they are the defaults). */
  remoteSet: z.boolean(),
  policySet: z.boolean(),
});
export type EffectivePii = z.infer<typeof effectivePiiSchema>;

/** Counts of what was found (or masked) in one request, by kind. */
export const piiCountsSchema = z.partialRecord(piiKindSchema, z.number().int().nonnegative());
export type PiiCounts = z.infer<typeof piiCountsSchema>;

/** What a cell records: the policy that applied and what it found (never the values). */
export const cellPiiSchema = z.object({
  policy: z.enum(['warn', 'mask']),
  counts: piiCountsSchema,
});
export type CellPii = z.infer<typeof cellPiiSchema>;

/** Whether a base URL's host is this machine (localhost, 127.0.0.0/8, ::1). An unreadable one is not. */
export function isLoopbackUrl(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  // Not *.localhost: a resolver (or a proxy) may send such a name anywhere.
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * The policy that applies: remote unless the base URL is loopback (echo has none: never remote),
 * and `mask` for a remote provider, `off` for one on this machine, unless the person chose.
 */
export function effectivePii(settings: PiiSettings | undefined, baseUrl: string | undefined): EffectivePii {
  const remote = settings?.remote ?? (baseUrl !== undefined && baseUrl !== '' && !isLoopbackUrl(baseUrl));
  return { remote, policy: settings?.policy ?? (remote ? 'mask' : 'off'), remoteSet: settings?.remote !== undefined, policySet: settings?.policy !== undefined };
}

/** "2 email, 1 phone" (kinds in PII_KINDS order); empty for no counts. */
export function describeCounts(counts: PiiCounts): string {
  return PII_KINDS.filter((kind) => (counts[kind] ?? 0) > 0)
    .map((kind) => `${counts[kind] ?? 0} ${PII_LABELS[kind]}`)
    .join(', ');
}

/** The kinds a check's or a caller's `value` names: a kind, a list of kinds, or nothing (every kind). */
export function kindsOf(value: unknown): { ok: true; kinds: PiiKind[] } | { ok: false; error: string } {
  if (value === undefined || value === null || value === '') return { ok: true, kinds: [...PII_KINDS] };
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : Array.isArray(value) ? value : undefined;
  if (list === undefined) return { ok: false, error: `value must be a kind or a list of kinds (${PII_KINDS.join(', ')})` };
  const kinds: PiiKind[] = [];
  for (const item of list) {
    const parsed = piiKindSchema.safeParse(item);
    if (!parsed.success) return { ok: false, error: `"${String(item)}" is not a kind of personal data; known kinds: ${PII_KINDS.join(', ')}` };
    if (!kinds.includes(parsed.data)) kinds.push(parsed.data);
  }
  return { ok: true, kinds };
}

/** What a request would have masked for a provider: each placeholder, its kind and a hint of the value. */
export const piiPreviewSchema = z.object({
  pii: effectivePiiSchema,
  found: z.array(z.object({ placeholder: z.string(), kind: piiKindSchema, hint: z.string() })),
  counts: piiCountsSchema,
  /** All of the request was read (else it is too long or took too long: mask and block would refuse it). */
  complete: z.boolean(),
});
export type PiiPreview = z.infer<typeof piiPreviewSchema>;
