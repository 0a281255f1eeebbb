import { useEffect, useState } from 'react';
import { apiLabel, apiOfKind, kindOfApi, PROVIDER_APIS, PROVIDER_PRESETS, type ProviderApi } from '../../../../shared/providers';
import type { ProviderInfo } from '../../../../shared/schemas';
import { messageOf } from '../../state/errors';
import { useProviders } from '../../state/providers';
import { useUi } from '../../state/ui';
import { PricesSection } from './PricesSection';
import { ConfirmImportedDialog, SendKeyDialog } from './KeyChoiceDialog';
import { KeyHostsSection } from './KeyHostsSection';
import { AnswersSection } from './AnswersSection';
import { RaterSection } from './RaterSection';
import { PiiPolicyControls } from './PiiPolicy';
import { useKeyHosts } from '../../state/keyHosts';
import { ENVAR_NAME, keyHostVerdict } from '../../../../shared/key-hosts';
import { DEFAULT_TIMEOUTS, TIMEOUT_KINDS, TIMEOUT_NAMES, formatDuration, readTimeoutFields, writeDuration, type ProviderTimeouts, type TimeoutKind } from '../../../../shared/timeouts';

interface Draft {
  id?: string;
  name: string;
  /** The wire protocol: saved as kind + api. */
  api: ProviderApi;
  baseUrl: string;
  apiKeyEnvar: string;
  apiKey: string;
  /** What the picked preset says is left to fill in. */
  note?: string;
  /** Requests at once, as typed. */
  concurrency: string;
  /** Timeouts as typed (`30s`, `10m`); empty means the default. */
  timeouts: Record<TimeoutKind, string>;
}

const NO_TIMEOUTS: Record<TimeoutKind, string> = { connect: '', firstByte: '', idle: '', total: '' };
const EMPTY: Draft = { name: '', api: 'chat', baseUrl: '', apiKeyEnvar: '', apiKey: '', concurrency: '8', timeouts: NO_TIMEOUTS };

function draftTimeouts(timeouts: ProviderTimeouts | undefined): Record<TimeoutKind, string> {
  const out = { ...NO_TIMEOUTS };
  for (const kind of TIMEOUT_KINDS) {
    const ms = timeouts?.[kind];
    if (ms !== undefined) out[kind] = writeDuration(ms);
  }
  return out;
}

const TIMEOUT_HINTS: Record<TimeoutKind, string> = {
  connect: 'to open a connection',
  firstByte: 'for the first byte of an answer',
  idle: 'a streamed answer may pause',
  total: 'for a whole cell, retries included',
};

function keyText(p: ProviderInfo): string {
  if (p.kind === 'echo') return 'no key needed';
  if (!p.key.configured) return p.apiKeyEnvar ? `no key (set ${p.apiKeyEnvar} or enter one)` : 'no key';
  // An environment variable is never shown, not even in part: only that it is set.
  if (p.key.source === 'env') return `key from ${p.apiKeyEnvar ?? 'the environment'} (set)`;
  return `key …${p.key.last4 ?? ''} (${p.key.source === 'vault' ? 'stored encrypted' : 'in memory'})`;
}

export function SettingsView(): React.JSX.Element {
  const { providers, error, refresh, save, remove, loadModels } = useProviders();
  const models = useProviders((s) => s.models);
  const info = useUi((s) => s.info);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [formError, setFormError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  /** The imported provider being confirmed, in its dialog. */
  const [reviewing, setReviewing] = useState<ProviderInfo | undefined>();
  /** The form names a variable for a host it does not belong to: asking first. */
  const [asking, setAsking] = useState(false);
  const approvals = useKeyHosts((s) => s.approvals);
  const refreshKeyHosts = useKeyHosts((s) => s.refresh);

  useEffect(() => {
    void refresh();
    void refreshKeyHosts();
  }, [refresh, refreshKeyHosts]);

  const submit = (event: React.FormEvent): void => {
    event.preventDefault();
    // A preset's placeholder (Azure's <resource>) left in: say which part to fill in.
    const placeholder = /<[^>]*>/.exec(draft.baseUrl)?.[0];
    if (placeholder !== undefined) {
      setFormError(`Replace ${placeholder} in the base URL with your own value.`);
      return;
    }
    const envar = draft.apiKeyEnvar.trim();
    // A variable for a host it does not belong to is sent there only after a yes in a dialog
    // that names both (a base URL that is not a URL is left to the server to explain).
    const verdict = ENVAR_NAME.test(envar) ? keyHostVerdict(envar, draft.baseUrl.trim(), approvals) : undefined;
    if (verdict && !verdict.ok && verdict.reason !== 'bad-url') setAsking(true);
    else void saveDraft(false);
  };

  const saveDraft = async (allowKeyHost: boolean): Promise<void> => {
    setAsking(false);
    setBusy(true);
    setFormError(undefined);
    setNotice(undefined);
    const timeouts = readTimeoutFields(draft.timeouts);
    if (typeof timeouts === 'string') {
      setFormError(timeouts);
      setBusy(false);
      return;
    }
    try {
      const saved = await save({
        ...(draft.id ? { id: draft.id } : {}),
        name: draft.name,
        ...kindOfApi(draft.api),
        baseUrl: draft.baseUrl.trim(),
        ...(draft.apiKeyEnvar.trim() ? { apiKeyEnvar: draft.apiKeyEnvar.trim() } : {}),
        ...(draft.apiKey ? { apiKey: draft.apiKey } : {}),
        ...(draft.concurrency.trim() !== '' ? { concurrency: Number(draft.concurrency) } : {}),
        // Always sent: an emptied field goes back to its default.
        timeouts,
        ...(allowKeyHost ? { allowKeyHost: true } : {}),
      });
      if (allowKeyHost) void refreshKeyHosts();
      setDraft(EMPTY);
      setNotice(`Saved ${saved.name}.`);
    } catch (e) {
      setFormError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const editable = providers.filter((p) => !p.builtIn);

  return (
    <section className="panel settings" aria-labelledby="settings-heading">
      <h2 id="settings-heading">Providers</h2>
      <p className="muted">
        Echo is built in and works offline. Add OpenAI (Chat Completions or the Responses API), Anthropic, Google Gemini, or any OpenAI-compatible endpoint (Azure, OpenRouter, Groq, Ollama, LM Studio, vLLM…) by its base URL.{' '}
        {info?.keyStorage === 'memory'
          ? 'In browser mode a key typed here is kept in memory until the server stops; to keep one, set the environment variable named below before starting.'
          : 'Keys are encrypted with your system keychain and never shown again.'}
      </p>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <ul className="provider-list" aria-label="Providers">
        {providers.map((p) => {
          const m = models[p.id];
          return (
            <li key={p.id} className="provider">
              <div>
                <strong>{p.name}</strong> <span className="muted">{p.baseUrl || 'built in'}</span>
                {p.kind !== 'echo' && <div className="muted">API: {apiLabel(apiOfKind(p.kind, p.api) ?? 'chat')}</div>}
                <div className="muted">{keyText(p)}</div>
                <div className="muted">at most {p.concurrency} request{p.concurrency === 1 ? '' : 's'} at once</div>
                {p.timeouts && Object.keys(p.timeouts).length > 0 && (
                  <div className="muted">
                    {TIMEOUT_KINDS.filter((kind) => p.timeouts?.[kind] !== undefined)
                      .map((kind) => `${TIMEOUT_NAMES[kind].name} ${formatDuration(p.timeouts?.[kind] ?? 0)}`)
                      .join(', ')}
                  </div>
                )}
                {m?.state === 'ok' && <div className="muted">{m.models.length} models available</div>}
                <PiiPolicyControls provider={p} />
                {m?.state === 'error' && (
                  <div className="error-text" role="alert">
                    {m.message}
                  </div>
                )}
              </div>
              {p.needsReview && (
                <div className="review" role="note">
                  Added by an imported file, with no key. Parallax sends it nothing until you check where it sends to, choose its key (if any) and confirm it.
                  <button type="button" className="primary" onClick={() => setReviewing(p)}>
                    Confirm {p.name}…
                  </button>
                </div>
              )}
              {!p.builtIn && (
                <div className="row">
                  <button type="button" onClick={() => void loadModels(p.id, true)} disabled={m?.state === 'loading'}>
                    {m?.state === 'loading' ? 'Testing…' : `Test ${p.name}`}
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      setDraft({ id: p.id, name: p.name, api: apiOfKind(p.kind, p.api) ?? 'chat', baseUrl: p.baseUrl, apiKeyEnvar: p.apiKeyEnvar ?? '', apiKey: '', concurrency: String(p.concurrency), timeouts: draftTimeouts(p.timeouts) })
                    }
                  >
                    Edit {p.name}
                  </button>
                  {(p.key.source === 'vault' || p.key.source === 'memory') && (
                    <button
                      type="button"
                      onClick={() =>
                        void save({ id: p.id, name: p.name, ...kindOfApi(apiOfKind(p.kind, p.api) ?? 'chat'), baseUrl: p.baseUrl, concurrency: p.concurrency, ...(p.apiKeyEnvar ? { apiKeyEnvar: p.apiKeyEnvar } : {}), apiKey: '' })
                          .then(() => setNotice(`Removed the stored key of ${p.name}.`))
                          .catch((e: unknown) => setFormError(messageOf(e)))
                      }
                    >
                      Forget key of {p.name}
                    </button>
                  )}
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      if (window.confirm(`Remove ${p.name}? Its stored key is deleted too.`)) {
                        void remove(p.id).catch((e: unknown) => setFormError(messageOf(e)));
                      }
                    }}
                  >
                    Remove {p.name}
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {editable.length === 0 && <p className="muted">No endpoints yet. Start from a preset below.</p>}

      <form className="provider-form" aria-labelledby="provider-form-heading" onSubmit={submit}>
        <h3 id="provider-form-heading">{draft.id ? `Edit ${draft.name}` : 'Add a provider'}</h3>
        <label>
          <span>Start from a preset</span>
          <select
            value=""
            onChange={(e) => {
              const preset = PROVIDER_PRESETS.find((p) => p.name === e.target.value);
              if (!preset) return;
              setDraft({
                ...EMPTY,
                ...(draft.id ? { id: draft.id } : {}),
                name: preset.name,
                api: apiOfKind(preset.kind, preset.api) ?? 'chat',
                baseUrl: preset.baseUrl,
                apiKeyEnvar: preset.apiKeyEnvar ?? '',
                ...(preset.note ? { note: preset.note } : {}),
              });
            }}
          >
            <option value="">Choose a preset…</option>
            <optgroup label="Hosted">
              {PROVIDER_PRESETS.filter((p) => p.where === 'hosted').map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({apiLabel(apiOfKind(p.kind, p.api) ?? 'chat')})
                </option>
              ))}
            </optgroup>
            <optgroup label="On this machine">
              {PROVIDER_PRESETS.filter((p) => p.where === 'local').map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name} ({p.baseUrl})
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        {draft.note && (
          <p className="hint" role="note">
            {draft.note}
          </p>
        )}
        <label>
          <span>Name</span>
          <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
        </label>
        <label>
          <span id="api-label">API</span>
          {/* Named by its label's first words only; the hint describes it. */}
          <select
            value={draft.api}
            onChange={(e) => setDraft({ ...draft, api: PROVIDER_APIS.find((a) => a.api === e.target.value)?.api ?? 'chat' })}
            aria-labelledby="api-label"
            aria-describedby="api-hint"
          >
            {PROVIDER_APIS.map((a) => (
              <option key={a.api} value={a.api}>
                {a.label}
              </option>
            ))}
          </select>
          <span id="api-hint" className="muted">
            What the server speaks. Chat Completions suits OpenAI and every OpenAI-compatible server (Azure, OpenRouter, Groq, Ollama, vLLM…).
          </span>
        </label>
        <label>
          <span>Base URL</span>
          <input value={draft.baseUrl} onChange={(e) => setDraft({ ...draft, baseUrl: e.target.value })} placeholder="https://api.openai.com/v1" required />
        </label>
        <label>
          <span>API key</span>
          <input
            type="password"
            autoComplete="off"
            value={draft.apiKey}
            onChange={(e) => setDraft({ ...draft, apiKey: e.target.value })}
            placeholder={draft.id ? 'leave empty to keep the current key' : 'optional for local servers'}
          />
        </label>
        <label>
          <span>Key environment variable</span>
          <input value={draft.apiKeyEnvar} onChange={(e) => setDraft({ ...draft, apiKeyEnvar: e.target.value })} placeholder="OPENAI_API_KEY" />
        </label>
        <label>
          <span>Requests at once</span>
          <input
            type="number"
            min={1}
            max={64}
            step={1}
            value={draft.concurrency}
            onChange={(e) => setDraft({ ...draft, concurrency: e.target.value })}
            aria-describedby="concurrency-hint"
          />
          <span id="concurrency-hint" className="muted">
            How many requests Parallax keeps in flight to this provider. Lower it if the provider answers 429 (rate limited); Parallax also waits as long as a 429 asks.
          </span>
        </label>
        <fieldset className="timeouts" aria-describedby="timeouts-hint">
          <legend>Timeouts</legend>
          <span id="timeouts-hint" className="muted">
            How long Parallax waits before it gives up on a request (500ms, 30s, 10m, 1h); empty means the default. Raise the first-byte and idle timeouts for a slow local model
            or a model that thinks for long before it answers.
          </span>
          {TIMEOUT_KINDS.map((kind) => (
            <label key={kind}>
              <span>{TIMEOUT_NAMES[kind].label}</span>
              <input
                value={draft.timeouts[kind]}
                onChange={(e) => setDraft({ ...draft, timeouts: { ...draft.timeouts, [kind]: e.target.value } })}
                placeholder={`${writeDuration(DEFAULT_TIMEOUTS[kind])} (default)`}
                aria-describedby={`timeout-${kind}-hint`}
              />
              <span id={`timeout-${kind}-hint`} className="muted">
                {TIMEOUT_HINTS[kind]}; default {formatDuration(DEFAULT_TIMEOUTS[kind])}
              </span>
            </label>
          ))}
        </fieldset>
        {formError && (
          <p className="error-text" role="alert">
            {formError}
          </p>
        )}
        {notice && <p role="status">{notice}</p>}
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            {draft.id ? 'Save changes' : 'Save provider'}
          </button>
          {draft.id && (
            <button type="button" onClick={() => setDraft(EMPTY)}>
              Cancel editing
            </button>
          )}
        </div>
      </form>
      {reviewing && (
        <ConfirmImportedDialog
          provider={reviewing}
          save={async (input) => {
            await save(input);
            await refreshKeyHosts();
          }}
          onDone={(message) => {
            setReviewing(undefined);
            setNotice(message);
          }}
          onClose={() => setReviewing(undefined)}
        />
      )}
      {asking && (
        <SendKeyDialog
          envar={draft.apiKeyEnvar.trim()}
          baseUrl={draft.baseUrl.trim()}
          providerName={draft.name || 'This provider'}
          onSend={() => void saveDraft(true)}
          onClose={() => setAsking(false)}
        />
      )}
      <KeyHostsSection />
      <RaterSection />
      <AnswersSection />
      <PricesSection />
    </section>
  );
}
