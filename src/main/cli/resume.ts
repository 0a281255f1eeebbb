/**
 * What `parallax eval` records so a run can be finished by any process (`--resume <run id>`
 * here, Resume in the app): the providers it was started with, never their keys, and a
 * fingerprint of the config, so running the same config again finds an interrupted run of it.
 */
import { createHash } from 'node:crypto';
import type { EvalConfig } from '../../shared/promptfoo/config';
import type { TestCase } from '../../shared/schemas';
import type { RecordedProvider, Store } from '../store/store';
import type { ProviderBinding } from './eval';

/** The providers of a run as the run records them: the variable a key comes from, never the key. */
export function recordProviders(bindings: readonly ProviderBinding[]): RecordedProvider[] {
  const seen = new Set<string>();
  const out: RecordedProvider[] = [];
  for (const binding of bindings) {
    if (seen.has(binding.registryId)) continue;
    seen.add(binding.registryId);
    out.push({
      id: binding.registryId,
      name: binding.name,
      kind: binding.provider.kind,
      ...(binding.provider.api !== undefined ? { api: binding.provider.api } : {}),
      model: binding.provider.model,
      ...(binding.baseUrl !== undefined ? { baseUrl: binding.baseUrl } : {}),
      ...(binding.keyEnvar !== undefined ? { apiKeyEnvar: binding.keyEnvar } : {}),
      ...(binding.baseUrlFromEnv === true ? { baseUrlFromEnv: true } : {}),
      params: binding.provider.params,
      ...(binding.provider.timeouts ? { timeouts: binding.provider.timeouts } : {}),
    });
  }
  return out;
}

/**
 * What makes a config's run the same run: its prompts, providers (as recorded), tests and
 * checks. Repeats, the cache and timeouts are left out: they do not change which cells exist
 * for a resume (the run keeps its own), and a re-run with another --repeat is still "this config".
 */
export function configFingerprint(config: EvalConfig, providers: readonly RecordedProvider[], testCases: readonly TestCase[]): string {
  const text = JSON.stringify({
    prompts: config.prompts.map((p) => p.messages),
    providers: providers.map(({ timeouts: _timeouts, ...provider }) => provider),
    tests: testCases,
    assertions: config.defaultAssert ?? [],
    // Which cells run (provider and test prompts/providers lists); absent when no list is given, so older fingerprints still match.
    ...(config.providers.some((p) => p.prompts !== undefined) || config.tests.some((t) => t.prompts !== undefined || t.providers !== undefined)
      ? { filters: { providers: config.providers.map((p) => p.prompts ?? null), tests: config.tests.map((t) => [t.prompts ?? null, t.providers ?? null]) } }
      : {}),
  });
  return createHash('sha256').update(text).digest('hex');
}

/** Why `--resume <id>` cannot continue that run with this config, or undefined when it can. */
export function resumeRefusal(store: Store, runId: string, fingerprint: string, configPath: string): string | undefined {
  const status = store.runStatus(runId);
  if (status === undefined) return `--resume ${runId}: there is no run with that id in this data folder (--data-dir).`;
  const recorded = store.runFingerprint(runId);
  if (recorded === undefined) return `--resume ${runId}: that run was not started by parallax eval (or by an older version); resume it in the app (History → Resume).`;
  if (recorded !== fingerprint) {
    return (
      `--resume ${runId}: ${configPath} is not the config that run was started with (its prompts, providers, tests or checks differ). ` +
      'Give that config with -c, or leave out --resume to start a new run.'
    );
  }
  return undefined;
}

/** The line that tells a person an interrupted run of this config exists, and how to finish it. */
export function interruptedHint(store: Store, fingerprint: string, configPath: string): string | undefined {
  const earlier = store.interruptedRunOf(fingerprint);
  if (!earlier) return undefined;
  return (
    `note: run ${earlier.id} of this config (started ${earlier.createdAt}) was interrupted with ${earlier.unfinished} cell${earlier.unfinished === 1 ? '' : 's'} unfinished. ` +
    `This starts a new run; to finish that one instead: parallax eval -c ${configPath} --resume ${earlier.id}\n`
  );
}
