import { useEffect, useId, useState } from 'react';
import { AUTHOR_ACTION_NAMES, DEFAULT_AUTHOR_PROMPTS, type AuthorAction, type AuthorRequest, type AuthorResult, type AuthorSettings } from '../../../../shared/author';
import type { MethodInput } from '../../../../shared/contract';
import type { Message } from '../../../../shared/schemas';
import { ECHO_PROVIDER_ID } from '../../../../shared/providers';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import { useProviders } from '../../state/providers';
import { formatUsd } from '../estimate/describe';
import { useDebounced } from '../editor/useDebounced';

const count = new Intl.NumberFormat('en-US');

function samePrompt(a: readonly Message[], b: readonly Message[]): boolean {
  return a.length === b.length && a.every((m, i) => m.role === b[i]?.role && m.content === b[i]?.content);
}

/** Settings read once per page, shared by the three actions. */
let settingsLoad: Promise<AuthorSettings> | undefined;
function loadSettings(): Promise<AuthorSettings> {
  settingsLoad ??= api()['author.settings']({}).catch(() => ({ models: {}, prompts: {} }));
  return settingsLoad;
}
async function saveSettings(patch: (s: AuthorSettings) => AuthorSettings): Promise<void> {
  const next = patch(await loadSettings());
  settingsLoad = Promise.resolve(next);
  settingsLoad = api()['author.saveSettings'](next);
  await settingsLoad;
}

interface Props {
  action: AuthorAction;
  /** The request as the form stands; undefined while it is incomplete (the reason is `missing`). */
  request: AuthorRequest | undefined;
  missing?: string;
  /** The button's words ("Generate a prompt"). */
  label: string;
  /** A second, smaller call beside the first ("Generate one row"), with its own request. */
  more?: { label: string; request: AuthorRequest | undefined };
  onResult(result: AuthorResult): void;
}

/**
 * Who writes (a provider and model, remembered per action), what it will cost, the author's own
 * prompt (visible and editable, as the judge's is), and the call with its error shown beside it.
 */
export function AuthorCall({ action, request, missing, label, more, onResult }: Props): React.JSX.Element {
  const providers = useProviders((s) => s.providers);
  const models = useProviders((s) => s.models);
  const loadModels = useProviders((s) => s.loadModels);
  const [providerId, setProviderId] = useState(ECHO_PROVIDER_ID);
  const [model, setModel] = useState('echo');
  const [prompt, setPrompt] = useState<Message[]>(DEFAULT_AUTHOR_PROMPTS[action].map((m) => ({ ...m })));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [estimate, setEstimate] = useState<{ key: string; text: string } | undefined>();
  const listId = useId();

  useEffect(() => {
    let live = true;
    void loadSettings().then((settings) => {
      if (!live) return;
      const remembered = settings.models[action];
      if (remembered) {
        setProviderId(remembered.providerId);
        setModel(remembered.model);
      }
      const saved = settings.prompts[action];
      if (saved) setPrompt(saved.map((m) => ({ ...m })));
    });
    return () => {
      live = false;
    };
  }, [action]);

  const provider = providers.find((p) => p.id === providerId);
  useEffect(() => {
    if (provider && provider.kind !== 'echo' && !provider.needsReview) void loadModels(provider.id);
  }, [provider, loadModels]);

  const author = providerId !== '' && model.trim() !== '' ? { providerId, model: model.trim() } : undefined;
  const edited = !samePrompt(prompt, DEFAULT_AUTHOR_PROMPTS[action]);
  const call = request && author ? { request, author, ...(edited ? { prompt } : {}) } : undefined;
  const debounced = useDebounced(call ? JSON.stringify(call) : '', 400);

  // The cost is shown before the call, from the same rendered prompt; an estimate for another form is not shown.
  useEffect(() => {
    if (debounced === '') return;
    let live = true;
    const estimateCall = api()['author.estimate'];
    estimateCall(JSON.parse(debounced) as MethodInput<'author.estimate'>)
      .then((e) => {
        if (!live) return;
        const cost = e.costUsd === undefined ? 'no price for this model (Settings → Prices)' : `${e.costUsd >= 0.01 ? '≈ ' : ''}${formatUsd(e.costUsd)}, assuming ${count.format(e.assumedOutputTokens)} output tokens`;
        setEstimate({ key: debounced, text: `≈ ${count.format(e.inputTokens)} input tokens · ${cost}` });
      })
      .catch((e: unknown) => {
        if (live) setEstimate({ key: debounced, text: `Cannot estimate: ${messageOf(e)}` });
      });
    return () => {
      live = false;
    };
  }, [debounced]);
  const estimateText = estimate && call && estimate.key === JSON.stringify(call) ? estimate.text : undefined;

  const editPrompt = (next: Message[]): void => {
    setPrompt(next);
    void saveSettings((s) => {
      const prompts = { ...s.prompts };
      if (samePrompt(next, DEFAULT_AUTHOR_PROMPTS[action])) delete prompts[action];
      else prompts[action] = next;
      return { ...s, prompts };
    });
  };

  const go = async (which: AuthorRequest | undefined): Promise<void> => {
    if (!which || !author) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await api()['author.generate']({ request: which, author, ...(edited ? { prompt } : {}) });
      settingsLoad = undefined;
      onResult(result);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const modelList = models[providerId];
  return (
    <div className="author-call">
      <div className="check-line">
        <label className="check-field">
          <span>Author provider</span>
          <select
            value={providerId}
            onChange={(e) => {
              const next = e.target.value;
              setProviderId(next);
              setModel(providers.find((p) => p.id === next)?.kind === 'echo' ? 'echo' : '');
            }}
          >
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="check-field judge-model">
          <span>Author model</span>
          <input type="text" list={listId} value={model} placeholder="model id, e.g. gpt-4o" onChange={(e) => setModel(e.target.value)} />
          <datalist id={listId}>{modelList?.state === 'ok' && modelList.models.map((m) => <option key={m} value={m} />)}</datalist>
        </label>
      </div>
      <details className="author-prompt">
        <summary>Author prompt{edited ? ' (edited)' : ''}</summary>
        <div className="row spread">
          <p className="muted hint">What is sent to the author model to {AUTHOR_ACTION_NAMES[action]}. Variables are filled from the form as data.</p>
          <button type="button" disabled={!edited} onClick={() => editPrompt(DEFAULT_AUTHOR_PROMPTS[action].map((m) => ({ ...m })))}>
            Reset to default
          </button>
        </div>
        {prompt.map((message, i) => (
          <label key={i} className="check-field">
            <span>{message.role === 'system' ? 'System message' : message.role === 'user' ? 'User message' : 'Assistant message'}</span>
            <textarea
              aria-label={`Author prompt, ${message.role} message`}
              rows={message.role === 'system' ? 8 : 10}
              value={message.content}
              onChange={(e) => editPrompt(prompt.map((m, j) => (j === i ? { ...m, content: e.target.value } : m)))}
            />
          </label>
        ))}
      </details>
      <div className="row author-go">
        <button type="button" className="primary" disabled={!call || busy} onClick={() => void go(request)}>
          {busy ? 'Asking the author model…' : label}
        </button>
        {more && (
          <button type="button" disabled={!author || !more.request || busy} onClick={() => void go(more.request)}>
            {more.label}
          </button>
        )}
        <span className="muted" aria-live="polite">
          {!author ? 'Pick an author provider and model.' : !request ? (missing ?? '') : (estimateText ?? 'Estimating…')}
        </span>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
