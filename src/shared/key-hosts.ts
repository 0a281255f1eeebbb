/**
 * Where a key read from an environment variable may go. A config or an imported file names a
 * variable and a base URL; Parallax sends the variable's value only to a host that variable
 * belongs to:
 * - the provider's own API host, for well-known variables (OPENAI_API_KEY → api.openai.com);
 * - loopback (127.0.0.0/8, ::1, localhost): a server on this machine;
 * - a host the person approved for that variable (Settings → Keys for other hosts, or
 *   `parallax eval --allow-key-host VAR=host`).
 * Anything else is refused, before any request. A well-known variable goes to its host over
 * https only.
 */

/** Well-known variables and the hosts they belong to (`*.x` matches any subdomain of x). */
export const KNOWN_KEY_HOSTS: Readonly<Record<string, readonly string[]>> = {
  OPENAI_API_KEY: ['api.openai.com'],
  ANTHROPIC_API_KEY: ['api.anthropic.com'],
  GEMINI_API_KEY: ['generativelanguage.googleapis.com'],
  GOOGLE_API_KEY: ['generativelanguage.googleapis.com'],
  OPENROUTER_API_KEY: ['openrouter.ai'],
  GROQ_API_KEY: ['api.groq.com'],
  TOGETHER_API_KEY: ['api.together.xyz', 'api.together.ai'],
  MISTRAL_API_KEY: ['api.mistral.ai'],
  DEEPSEEK_API_KEY: ['api.deepseek.com'],
  AZURE_OPENAI_API_KEY: ['*.openai.azure.com'],
  AZURE_API_KEY: ['*.openai.azure.com'],
  FIREWORKS_API_KEY: ['api.fireworks.ai'],
  PERPLEXITY_API_KEY: ['api.perplexity.ai'],
  XAI_API_KEY: ['api.x.ai'],
  CEREBRAS_API_KEY: ['api.cerebras.ai'],
};

/** A variable the person allowed to go to a host (`host` may be `*.example.com`). */
export interface KeyHostApproval {
  envar: string;
  host: string;
}

export const ENVAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A host name or IP as a URL carries it, optionally `*.` in front; no port, no path. */
const HOST_PATTERN = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/;

/** The host a base URL sends to, lower case, without a trailing dot; undefined for a URL that does not parse. */
export function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host.endsWith('.') ? host.slice(0, -1) : host;
  } catch {
    return undefined;
  }
}

/** localhost, 127.0.0.0/8, ::1 (and ::ffff:127.x.x.x), as the URL parser writes them. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost') return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  if (h === '[::1]' || h === '::1') return true;
  // The URL parser writes ::ffff:127.0.0.1 as [::ffff:7f00:1].
  return /^\[?::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]?$/.test(h);
}

function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  return p === host;
}

/** A host as a person types it (`evil.example`, `https://evil.example/v1`, `*.corp.example`) in the form approvals keep. */
export function normaliseApprovalHost(text: string): string | undefined {
  let host = text.trim().toLowerCase();
  if (/^https?:\/\//.test(host)) {
    const parsed = hostOf(host);
    if (parsed === undefined) return undefined;
    host = parsed;
  }
  host = host.replace(/\.$/, '');
  return HOST_PATTERN.test(host) && host !== '*' ? host : undefined;
}

/** `VAR=host` from the command line; an Error says what is wrong. */
export function parseKeyHostApproval(text: string): KeyHostApproval {
  const at = text.indexOf('=');
  const envar = at < 0 ? '' : text.slice(0, at).trim();
  const host = at < 0 ? undefined : normaliseApprovalHost(text.slice(at + 1));
  if (!ENVAR_NAME.test(envar) || host === undefined) {
    throw new Error(`--allow-key-host wants VARIABLE=host, such as MY_KEY=llm.example.com or MY_KEY=*.corp.example (got "${text}")`);
  }
  return { envar, host };
}

export type KeyHostVerdict =
  | { ok: true; why: 'own' | 'loopback' | 'approved' }
  | { ok: false; host: string; reason: 'not-its-host' | 'plain-http' | 'bad-url' };

/** May the value of `envar` be sent to `baseUrl`? */
export function keyHostVerdict(envar: string, baseUrl: string, approvals: readonly KeyHostApproval[] = []): KeyHostVerdict {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { ok: false, host: baseUrl, reason: 'bad-url' };
  }
  const host = hostOf(baseUrl) ?? '';
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, host, reason: 'bad-url' };
  if (isLoopbackHost(host)) return { ok: true, why: 'loopback' };
  // An approval is the person's own word, for http too (a server on the local network).
  if (approvals.some((a) => a.envar === envar && hostMatches(a.host, host))) return { ok: true, why: 'approved' };
  if ((KNOWN_KEY_HOSTS[envar] ?? []).some((pattern) => hostMatches(pattern, host))) {
    return url.protocol === 'https:' ? { ok: true, why: 'own' } : { ok: false, host, reason: 'plain-http' };
  }
  return { ok: false, host, reason: 'not-its-host' };
}

/** Why a verdict refused, as the end of a sentence that starts "Parallax does not send VAR to host: ". */
export function refusalReason(envar: string, verdict: Extract<KeyHostVerdict, { ok: false }>): string {
  if (verdict.reason === 'bad-url') return 'the base URL is not an http(s) URL';
  if (verdict.reason === 'plain-http') return `${envar} goes to its own host over https only`;
  const own = KNOWN_KEY_HOSTS[envar];
  return own ? `${envar} belongs to ${own.join(', ')}` : `${envar} is not a variable Parallax knows the host of, and you have not allowed it for ${verdict.host}`;
}

/** The variable a provider at this base URL usually reads its key from, for a suggestion. */
export function suggestedKeyEnvar(baseUrl: string): string | undefined {
  const host = hostOf(baseUrl);
  if (host === undefined) return undefined;
  return Object.entries(KNOWN_KEY_HOSTS).find(([, hosts]) => hosts.some((pattern) => hostMatches(pattern, host)))?.[0];
}
