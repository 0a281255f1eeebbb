import { useEffect, useId, useRef, useState } from 'react';
import type { AssertionDefinition, BaseAssertionType } from '../../../../shared/assertions/types';
import { isModelGradedType } from '../../../../shared/assertions/model-graded';
import { DEFAULT_RUBRIC_PROMPT } from '../../../../shared/assertions/rubric';
import type { JudgeConfig, Message } from '../../../../shared/schemas';
import { useProviders } from '../../state/providers';
import { useKeptState } from '../../state/kept';
import { useWorkspace } from '../../state/workspace';
import { buildAssertion, CHECK_TYPES, DESCRIPTION, draftOf, HAS_THRESHOLD, newDraft, VALUE_KIND, type CheckDraft } from './drafts';
import { ModerationCategories } from './ModerationCategories';
import { RegradeBanner } from './RegradeBanner';
import './checks.css';

const MAX_CHECKS = 50;

const VALUE_LABEL: Record<string, string> = {
  text: 'Value',
  'optional-text': 'Value (blank: the row’s expected answer)',
  reference: 'Reference (blank: the row’s expected answer)',
  list: 'Values, one per line',
  json: 'JSON schema',
  rubric: 'Rubric',
  elements: 'Value: required elements (blank: none)',
  'sql-options': 'Value: options as JSON (blank: MySQL)',
};

const THRESHOLD_HINT: Partial<Record<BaseAssertionType, string>> = {
  levenshtein: '5',
  bleu: '0.5',
  'rouge-n': '0.75',
  'rouge-l': '0.75',
  latency: 'ms',
  cost: 'USD',
  'llm-rubric': 'score, 0–1',
  javascript: 'score',
};

/** Checks graded by the judge model (or embeddings and moderation on its server). */
function usesJudge(type: string): boolean {
  const base = type.replace(/^not-/, '');
  return base === 'llm-rubric' || base === 'select-best' || isModelGradedType(base);
}

/** An error message as a sentence, so another can follow it. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

function CheckRow({
  draft,
  index,
  onChange,
  onRemove,
}: {
  draft: CheckDraft;
  index: number;
  onChange(draft: CheckDraft): void;
  onRemove(): void;
}): React.JSX.Element {
  const id = useId();
  const kind = VALUE_KIND[draft.base];
  const built = buildAssertion(draft);
  const valueError = !built.ok && built.field === 'value' ? built.error : undefined;
  const thresholdError = !built.ok && built.field === 'threshold' ? built.error : undefined;
  const multiline = kind === 'list' || kind === 'json' || kind === 'rubric' || kind === 'code';
  const valueProps = {
    id: `${id}-value`,
    'aria-label': `${draft.base === 'tool-call' ? 'Expected call' : draft.base === 'moderation' ? 'Categories as a JSON list' : kind === 'json' ? 'JSON schema' : kind === 'rubric' ? 'Rubric' : kind === 'code' ? 'Code' : 'Value'} of check ${index + 1}`,
    'aria-invalid': valueError ? true : undefined,
    'aria-describedby': valueError ? `${id}-value-error` : undefined,
    value: draft.valueText,
    spellCheck: kind === 'rubric',
    placeholder:
      draft.base === 'tool-call'
        ? '{"name": "get_weather", "paths": {"$.city": "Paris"}}'
        : draft.base === 'moderation'
        ? '["harassment", "self-harm"] (blank: every category)'
        : kind === 'json'
        ? '{"type": "object", "required": ["answer"]}'
        : kind === 'list'
          ? 'refund\nreturn policy'
          : kind === 'rubric'
            ? 'Answers politely and names a next step'
            : kind === 'code'
              ? 'output.length < 200 && !output.includes("As an AI")'
              : draft.base === 'regex'
              ? '^\\d{4}-\\d{2}-\\d{2}$'
              : '',
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange({ ...draft, valueText: e.target.value }),
  };
  return (
    <fieldset className="check-row">
      <legend>Check {index + 1}</legend>
      <div className="check-line">
        <label className="check-field">
          <span>Type</span>
          <select
            aria-label={`Type of check ${index + 1}`}
            value={draft.base}
            onChange={(e) => {
              const base = e.target.value as BaseAssertionType;
              // Another kind of value means the old one no longer fits as it was.
              const sameKind = VALUE_KIND[base] === kind;
              onChange({ ...draft, base, original: sameKind ? draft.original : undefined, valueText: sameKind ? draft.valueText : '' });
            }}
          >
            {(CHECK_TYPES.includes(draft.base) ? CHECK_TYPES : [...CHECK_TYPES, draft.base]).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="check-not" title="The check passes exactly when the plain one fails (promptfoo's not- form)">
          <input type="checkbox" checked={draft.inverse} onChange={(e) => onChange({ ...draft, inverse: e.target.checked })} />
          <span>Not</span>
        </label>
        {HAS_THRESHOLD.has(draft.base) && (
          <label className="check-field check-threshold">
            <span>Threshold</span>
            <input
              type="text"
              inputMode="decimal"
              aria-label={`Threshold of check ${index + 1}`}
              aria-invalid={thresholdError ? true : undefined}
              aria-describedby={thresholdError ? `${id}-threshold-error` : undefined}
              value={draft.thresholdText}
              placeholder={THRESHOLD_HINT[draft.base] ?? ''}
              onChange={(e) => onChange({ ...draft, thresholdText: e.target.value })}
            />
          </label>
        )}
        <div className="spacer" />
        <button type="button" className="ghost" aria-label={`Remove check ${index + 1}`} onClick={onRemove}>
          Remove
        </button>
      </div>
      <p className="muted hint">
        {draft.inverse ? 'Passes when this does not hold: ' : ''}
        {DESCRIPTION[draft.base]}
      </p>
      {kind !== 'none' && (
        <label className="check-field" htmlFor={valueProps.id}>
          <span>{draft.base === 'moderation' ? 'Categories as a JSON list' : VALUE_LABEL[kind]}</span>
          {multiline ? <textarea rows={kind === 'json' ? 5 : 3} {...valueProps} /> : <input type="text" {...valueProps} />}
        </label>
      )}
      {draft.base === 'moderation' && <ModerationCategories index={index} valueText={draft.valueText} onChange={(valueText) => onChange({ ...draft, valueText })} />}
      {valueError && (
        <p id={`${id}-value-error`} className="error-text check-error">
          {sentence(valueError)} This check is left out of runs until it is fixed.
        </p>
      )}
      {thresholdError && (
        <p id={`${id}-threshold-error`} className="error-text check-error">
          {sentence(thresholdError)} This check is left out of runs until it is fixed.
        </p>
      )}
    </fieldset>
  );
}

function samePrompt(a: readonly Message[], b: readonly Message[]): boolean {
  return a.length === b.length && a.every((m, i) => m.role === b[i]?.role && m.content === b[i]?.content);
}

/** The model that grades llm-rubric checks, and its prompt, visible and editable. */
function JudgeSettings({ needed }: { needed: boolean }): React.JSX.Element {
  const judge = useWorkspace((s) => s.judge);
  const setJudge = useWorkspace((s) => s.setJudge);
  const providers = useProviders((s) => s.providers);
  const models = useProviders((s) => s.models);
  const loadModels = useProviders((s) => s.loadModels);
  const [providerId, setProviderId] = useState(judge?.providerId ?? '');
  const [model, setModel] = useState(judge?.model ?? '');
  const [prompt, setPrompt] = useState<Message[]>(judge?.prompt ?? DEFAULT_RUBRIC_PROMPT.map((m) => ({ ...m })));
  const written = useRef<JudgeConfig | undefined>(judge);
  const listId = useId();

  // Another draft (opened, imported) brings its own judge.
  useEffect(() => {
    if (judge === written.current) return;
    written.current = judge;
    setProviderId(judge?.providerId ?? '');
    setModel(judge?.model ?? '');
    setPrompt(judge?.prompt ?? DEFAULT_RUBRIC_PROMPT.map((m) => ({ ...m })));
  }, [judge]);

  const provider = providers.find((p) => p.id === providerId);
  useEffect(() => {
    if (provider && provider.kind !== 'echo' && !provider.needsReview) void loadModels(provider.id);
  }, [provider, loadModels]);

  const write = (next: { providerId: string; model: string; prompt: Message[] }): void => {
    const value: JudgeConfig | undefined =
      next.providerId !== '' && next.model.trim() !== ''
        ? {
            providerId: next.providerId,
            model: next.model.trim(),
            ...(samePrompt(next.prompt, DEFAULT_RUBRIC_PROMPT) ? {} : { prompt: next.prompt }),
            // The models asked on the judge's server stay when the judge is edited.
            ...(judge?.embeddingModel ? { embeddingModel: judge.embeddingModel } : {}),
            ...(judge?.moderationModel ? { moderationModel: judge.moderationModel } : {}),
          }
        : undefined;
    written.current = value;
    setJudge(value);
  };
  const update = (patch: Partial<{ providerId: string; model: string; prompt: Message[] }>): void => {
    const next = { providerId, model, prompt, ...patch };
    if (patch.providerId !== undefined) setProviderId(patch.providerId);
    if (patch.model !== undefined) setModel(patch.model);
    if (patch.prompt !== undefined) setPrompt(patch.prompt);
    write(next);
  };

  const modelList = models[providerId];
  const edited = !samePrompt(prompt, DEFAULT_RUBRIC_PROMPT);
  const incomplete = providerId === '' || model.trim() === '';
  return (
    <section className="judge-settings" aria-label="Judge model">
      <h3>Judge model for llm-rubric</h3>
      {needed && incomplete && (
        <p className="error-text" role="alert">
          An llm-rubric check needs a judge model: pick a provider and a model below, or those checks fail with “needs a judge model”.
        </p>
      )}
      <div className="check-line">
        <label className="check-field">
          <span>Provider</span>
          <select
            aria-label="Judge provider"
            value={providerId}
            onChange={(e) => {
              const next = e.target.value;
              const picked = providers.find((p) => p.id === next);
              update({ providerId: next, model: picked?.kind === 'echo' ? 'echo' : next === providerId ? model : '' });
            }}
          >
            <option value="">No judge</option>
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="check-field judge-model">
          <span>Model</span>
          <input
            type="text"
            aria-label="Judge model"
            list={listId}
            value={model}
            disabled={providerId === ''}
            placeholder={providerId === '' ? 'pick a provider first' : 'model id, e.g. gpt-4o-mini'}
            onChange={(e) => update({ model: e.target.value })}
          />
          <datalist id={listId}>{modelList?.state === 'ok' && modelList.models.map((m) => <option key={m} value={m} />)}</datalist>
        </label>
      </div>
      <label className="check-field judge-model">
        <span>Moderation model (moderation checks ask the judge provider’s /moderations)</span>
        <input
          type="text"
          aria-label="Moderation model (moderation checks ask the judge provider’s /moderations)"
          value={judge?.moderationModel ?? ''}
          disabled={!judge}
          placeholder={judge ? 'omni-moderation-latest' : 'pick a judge first'}
          onChange={(e) => {
            if (!judge) return;
            const { moderationModel: _old, ...rest } = judge;
            const text = e.target.value.trim();
            const next: JudgeConfig = text === '' ? rest : { ...rest, moderationModel: text };
            written.current = next;
            setJudge(next);
          }}
        />
      </label>
      {modelList?.state === 'error' && <p className="muted hint">Could not list models: {modelList.message} Type the model id instead.</p>}
      {providerId !== '' && model.trim() === '' && <p className="muted hint">Type the judge’s model id to use it.</p>}
      <div className="row spread">
        <h3>Judge prompt</h3>
        <button type="button" disabled={!edited} onClick={() => update({ prompt: DEFAULT_RUBRIC_PROMPT.map((m) => ({ ...m })) })}>
          Reset to default
        </button>
      </div>
      <p className="muted hint">
        {'{{ output }}'} is the answer being graded and {'{{ rubric }}'} the check’s rubric. The judge must answer with JSON: {'{"pass": true, "score": 1, "reason": "…"}'}.
        {incomplete && edited ? ' Pick a judge model to keep this prompt with the draft.' : ''}
      </p>
      {prompt.map((message, i) => (
        <label key={i} className="check-field">
          <span>{message.role === 'system' ? 'System message' : message.role === 'user' ? 'User message' : 'Assistant message'}</span>
          <textarea
            aria-label={`Judge prompt, ${message.role} message`}
            rows={message.role === 'system' ? 8 : 5}
            value={message.content}
            onChange={(e) => update({ prompt: prompt.map((m, j) => (j === i ? { ...m, content: e.target.value } : m)) })}
          />
        </label>
      ))}
    </section>
  );
}

interface CheckListProps {
  /** Names the list across visits to the tab (unfinished checks are kept under it). */
  keepKey: string;
  /** The checks in use (valid ones only). */
  assertions: readonly AssertionDefinition[];
  onChange(valid: AssertionDefinition[]): void;
  heading: string;
  /** Accessible name of the list's region. */
  label: string;
  empty: string;
  children?: React.ReactNode;
}

/** A list of checks being edited: drafts are kept here, only valid checks are written out. */
function CheckList({ keepKey, assertions, onChange, heading, label, empty, children }: CheckListProps): React.JSX.Element {
  // Drafts outlive the tab: a check with an error is still there, with its error, when you come back.
  const [drafts, setDrafts] = useKeptState<CheckDraft[]>(`checks:${keepKey}`, () => assertions.map(draftOf));
  const written = useRef<readonly AssertionDefinition[]>(assertions);

  // Kept drafts from an earlier visit count only if the checks did not change meanwhile (an import, Undo).
  useEffect(() => {
    const valid = drafts.flatMap((d) => {
      const built = buildAssertion(d);
      return built.ok ? [built.assertion] : [];
    });
    if (JSON.stringify(valid) !== JSON.stringify(assertions)) setDrafts(assertions.map(draftOf));
    // Only on arrival: later changes are handled below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Checks that came from elsewhere (an imported promptfoo file, Undo, another row) replace the drafts.
  useEffect(() => {
    if (assertions === written.current) return;
    written.current = assertions;
    setDrafts(assertions.map(draftOf));
  }, [assertions, setDrafts]);

  const commit = (next: CheckDraft[]): void => {
    setDrafts(next);
    const valid: AssertionDefinition[] = [];
    for (const draft of next) {
      const built = buildAssertion(draft);
      if (built.ok) valid.push(built.assertion);
    }
    written.current = valid;
    onChange(valid);
  };

  const invalid = drafts.filter((d) => !buildAssertion(d).ok).length;
  return (
    <section className="checks-editor" aria-label={label}>
      <div className="row spread">
        <h2>{heading}</h2>
        <span className="muted">
          {assertions.length} in use{invalid > 0 ? ` · ${invalid} to fix` : ''}
        </span>
      </div>
      {children}
      {drafts.length === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <div className="check-list">
          {drafts.map((draft, i) => (
            <CheckRow
              key={i}
              draft={draft}
              index={i}
              onChange={(changed) => commit(drafts.map((d, j) => (j === i ? changed : d)))}
              onRemove={() => commit(drafts.filter((_, j) => j !== i))}
            />
          ))}
        </div>
      )}
      <div className="row">
        <button type="button" disabled={drafts.length >= MAX_CHECKS} onClick={() => commit([...drafts, newDraft()])}>
          {label === 'Checks' ? 'Add check' : 'Add check for this row'}
        </button>
        {drafts.length >= MAX_CHECKS && <span className="muted">At most {MAX_CHECKS} checks.</span>}
      </div>
    </section>
  );
}

const NO_CHECKS: readonly AssertionDefinition[] = [];

/** The selected row's own checks (promptfoo's tests[].assert), on top of the checks for every row. */
function RowChecks(): React.JSX.Element {
  const index = useWorkspace((s) => s.selectedCase);
  const count = useWorkspace((s) => s.testCases.length);
  const rowId = useWorkspace((s) => s.testCases[s.selectedCase]?.id);
  const assertions = useWorkspace((s) => s.testCases[s.selectedCase]?.assert ?? NO_CHECKS);
  const selectCase = useWorkspace((s) => s.selectCase);
  const setRow = (valid: AssertionDefinition[]): void =>
    useWorkspace.setState((s) => ({
      testCases: s.testCases.map((t, i) => {
        if (i !== s.selectedCase) return t;
        const { assert: _old, ...rest } = t;
        return valid.length > 0 ? { ...rest, assert: valid } : rest;
      }),
    }));
  return (
    <CheckList
      key={rowId}
      keepKey={`row:${rowId ?? index}`}
      assertions={assertions}
      onChange={setRow}
      heading={`Checks for row ${index + 1} only`}
      label="Checks for the selected row"
      empty="This row has no checks of its own."
    >
      <div className="row">
        <button type="button" onClick={() => selectCase(index - 1)} disabled={index <= 0}>
          Previous row
        </button>
        <span className="muted">
          Row {index + 1} of {count}
        </span>
        <button type="button" onClick={() => selectCase(index + 1)} disabled={index >= count - 1}>
          Next row
        </button>
      </div>
    </CheckList>
  );
}

/**
 * The checks run on every row's answers (promptfoo's defaultTest.assert), the selected row's
 * own checks, and the judge for llm-rubric. Checks being typed are kept here; only valid ones
 * reach the workspace.
 */
export function ChecksEditor(): React.JSX.Element {
  const assertions = useWorkspace((s) => s.assertions);
  const setAssertions = useWorkspace((s) => s.setAssertions);
  const needsJudge = useWorkspace((s) => [...s.assertions, ...s.testCases.flatMap((t) => t.assert ?? [])].some((a) => usesJudge(a.type)));
  return (
    <>
      <RegradeBanner />
      <CheckList
        keepKey="all"
        assertions={assertions}
        onChange={setAssertions}
        heading="Checks for every row"
        label="Checks"
        empty="No checks yet. Add one to test every answer automatically, for example “contains” a word or “is-json”."
      >
        <p className="muted hint">
          Each answer is checked when it finishes; a cell passes when every check passes. Names and meanings follow promptfoo (defaultTest.assert;
          a row’s own checks are its tests[].assert).
        </p>
      </CheckList>
      <RowChecks />
      <JudgeSettings needed={needsJudge} />
    </>
  );
}
