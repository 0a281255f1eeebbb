import { useId, useState } from 'react';
import { useKeptState } from '../../state/kept';
import { GEMINI_HARM_CATEGORIES, GEMINI_THRESHOLDS } from '../../../../shared/providers';
import { REASONING_EFFORTS, REASONING_SUMMARIES, type ProviderKind, type OpenAIApi, type Params, type ResponseFormat } from '../../../../shared/schemas';

type NumberKey = 'temperature' | 'topP' | 'maxTokens' | 'seed' | 'presencePenalty' | 'frequencyPenalty' | 'topK' | 'thinkingBudget';

/** Which APIs read a parameter: every field is shown for every provider, with a hint naming these. */
type Vendor = 'openai' | 'responses' | 'anthropic' | 'google';
const VENDOR_NAMES: Record<Vendor, string> = { openai: 'OpenAI', responses: 'the OpenAI Responses API', anthropic: 'Anthropic', google: 'Gemini' };

/** "Used by Anthropic and Gemini", and whether this variant's provider is one of them. */
export function usedBy(vendors: readonly Vendor[], kind: ProviderKind | undefined, api: OpenAIApi | undefined): string {
  const names = vendors.map((v) => VENDOR_NAMES[v]);
  const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''}` : (names[0] ?? '');
  const mine: Vendor | undefined = kind === 'openai' ? (api === 'responses' ? 'responses' : 'openai') : kind === 'anthropic' || kind === 'google' ? kind : undefined;
  // The Responses API is OpenAI too.
  const applies = mine !== undefined && (vendors.includes(mine) || (mine === 'responses' && vendors.includes('openai')));
  return `Used by ${list}${mine !== undefined && !applies ? '; not by this provider' : ''}.`;
}

interface FieldsProps {
  params: Params;
  model: string;
  /** The variant's provider's kind and API, for the hints that say which vendor reads a field. */
  kind?: ProviderKind | undefined;
  api?: OpenAIApi | undefined;
  /** "variant 2", for the fields' accessible names. */
  of: string;
  onChange(params: Params): void;
}

function without<K extends keyof Params>(params: Params, key: K): Params {
  const copy = { ...params };
  delete copy[key];
  return copy;
}

function NumberParam({
  label,
  name,
  params,
  of,
  min,
  max,
  step,
  integer = false,
  hint,
  warn,
  onChange,
}: {
  label: string;
  name: NumberKey;
  params: Params;
  of: string;
  min?: number;
  max?: number;
  step: number;
  integer?: boolean;
  /** Which vendor reads it, and its rules. */
  hint?: string;
  /** A value the field takes but this variant's provider will refuse, and why. */
  warn?: (value: number) => string | undefined;
  onChange(params: Params): void;
}): React.JSX.Element {
  const [text, setText] = useState<string | undefined>();
  const hintId = useId();
  const value = params[name];
  const problem = text === undefined ? undefined : check(text);
  function check(raw: string): string | undefined {
    if (raw.trim() === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) return 'Not a number.';
    if (integer && !Number.isInteger(n)) return 'A whole number.';
    if (min !== undefined && n < min) return `At least ${min}.`;
    if (max !== undefined && n > max) return `At most ${max}.`;
    return undefined;
  }
  return (
    <label>
      <span>{label}</span>
      <input
        aria-label={`${label} for ${of}`}
        type="number"
        min={min}
        max={max}
        step={step}
        placeholder="default"
        value={text ?? (value === undefined ? '' : String(value))}
        aria-invalid={problem !== undefined}
        aria-describedby={hint ? hintId : undefined}
        onChange={(e) => {
          const raw = e.target.value;
          setText(raw);
          if (raw.trim() === '') onChange(without(params, name));
          else if (check(raw) === undefined) onChange({ ...params, [name]: Number(raw) });
        }}
        // A value the variant could not take stays on screen, with why, until it is fixed.
        onBlur={() => {
          if (problem === undefined) setText(undefined);
        }}
      />
      {problem && (
        <span className="error-text field-error" role="alert">
          {problem} Not used until fixed.
        </span>
      )}
      {problem === undefined && value !== undefined && warn?.(value) !== undefined && (
        <span className="error-text field-error" role="note">
          {warn(value)}
        </span>
      )}
      {hint && (
        <span id={hintId} className="hint muted">
          {hint}
        </span>
      )}
    </label>
  );
}

/** o-series and gpt-5 models take a reasoning effort; others ignore or refuse it. */
export function takesReasoningEffort(model: string): boolean {
  return /^(o\d|gpt-5)/i.test(model.replace(/^.*\//, ''));
}

function StopField({ params, of, onChange }: Omit<FieldsProps, 'model' | 'kind' | 'api'>): React.JSX.Element {
  const [text, setText] = useState<string | undefined>();
  const shown = text ?? (params.stop ?? []).join('\n');
  const list = shown
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const problem = list.length > 4 ? 'At most 4 stop sequences.' : undefined;
  return (
    <label className="wide">
      <span>Stop sequences (comma or one per line, up to 4)</span>
      <textarea
        aria-label={`Stop sequences for ${of}`}
        rows={2}
        value={shown}
        aria-invalid={problem !== undefined}
        onChange={(e) => {
          setText(e.target.value);
          const next = e.target.value
            .split(/[\n,]/)
            .map((s) => s.trim())
            .filter((s) => s !== '');
          if (next.length > 4) return;
          onChange(next.length === 0 ? without(params, 'stop') : { ...params, stop: next });
        }}
        onBlur={() => {
          if (problem === undefined) setText(undefined);
        }}
      />
      {problem && (
        <span className="error-text field-error" role="alert">
          {problem} The variant keeps its last valid list until this is fixed.
        </span>
      )}
    </label>
  );
}

const SCHEMA_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function parseSchema(text: string): { schema: Record<string, unknown> } | { error: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'The schema must be a JSON object, such as {"type": "object", …}.' };
    return { schema: value as Record<string, unknown> };
  } catch (e) {
    return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function ResponseFormatField({ params, of, onChange }: Omit<FieldsProps, 'model' | 'kind' | 'api'>): React.JSX.Element {
  const format = params.responseFormat;
  // What the person picked: a schema being typed stays on screen while the variant keeps its last valid one.
  const [type, setType] = useState<ResponseFormat['type']>(format?.type ?? 'text');
  const [name, setName] = useState(format?.type === 'json_schema' ? format.name : 'answer');
  // Kept across tab switches: a schema being fixed is not replaced by the last valid one.
  const [schemaText, setSchemaText] = useKeptState(`schema:${of}`, () =>
    format?.type === 'json_schema' ? JSON.stringify(format.schema, null, 2) : '{\n  "type": "object",\n  "properties": {},\n  "additionalProperties": false\n}',
  );
  const [strict, setStrict] = useState(format?.type === 'json_schema' ? (format.strict ?? true) : true);
  const parsed = parseSchema(schemaText);
  const nameError = SCHEMA_NAME.test(name) ? undefined : 'Letters, digits, _ and - only (at most 64).';

  const commit = (next: { name: string; schemaText: string; strict: boolean }): void => {
    const result = parseSchema(next.schemaText);
    if ('error' in result || !SCHEMA_NAME.test(next.name)) return;
    const responseFormat = { type: 'json_schema', name: next.name, schema: result.schema, strict: next.strict } as ResponseFormat;
    onChange({ ...params, responseFormat });
  };

  return (
    <div className="wide response-format">
      <label>
        <span>Response format</span>
        <select
          aria-label={`Response format for ${of}`}
          value={type}
          onChange={(e) => {
            const t = e.target.value;
            if (t === 'text') {
              setType('text');
              onChange(without(params, 'responseFormat'));
            } else if (t === 'json_object') {
              setType('json_object');
              onChange({ ...params, responseFormat: { type: 'json_object' } });
            } else {
              setType('json_schema');
              commit({ name, schemaText, strict });
            }
          }}
        >
          <option value="text">Text</option>
          <option value="json_object">JSON object</option>
          <option value="json_schema">JSON schema</option>
        </select>
      </label>
      {type === 'json_object' && <p className="hint muted">The model must return JSON; most providers also want the word "JSON" in the prompt.</p>}
      {type === 'json_schema' && (
        <>
          <label>
            <span>Schema name</span>
            <input
              aria-label={`Schema name for ${of}`}
              value={name}
              aria-invalid={nameError !== undefined}
              onChange={(e) => {
                setName(e.target.value);
                commit({ name: e.target.value, schemaText, strict });
              }}
            />
            {nameError && <span className="error-text field-error">{nameError}</span>}
          </label>
          <label>
            <span>JSON schema</span>
            <textarea
              aria-label={`JSON schema for ${of}`}
              rows={6}
              spellCheck={false}
              value={schemaText}
              aria-invalid={'error' in parsed}
              onChange={(e) => {
                setSchemaText(e.target.value);
                commit({ name, schemaText: e.target.value, strict });
              }}
            />
            {'error' in parsed && (
              <span className="error-text field-error" role="alert">
                {parsed.error} The variant keeps its last valid schema until this is fixed.
              </span>
            )}
          </label>
          <label className="check">
            <input
              type="checkbox"
              aria-label={`Strict schema for ${of}`}
              checked={strict}
              onChange={(e) => {
                setStrict(e.target.checked);
                commit({ name, schemaText, strict: e.target.checked });
              }}
            />
            <span>Strict (the answer must match the schema exactly)</span>
          </label>
        </>
      )}
    </div>
  );
}

/** Gemini's safety settings for the four main categories; a category left at default is not sent. Others (from an import) are kept. */
function SafetyField({ params, of, hint, onChange }: { params: Params; of: string; hint: string; onChange(params: Params): void }): React.JSX.Element {
  const hintId = useId();
  const set = (category: string, threshold: string): void => {
    const safety = { ...(params.safety ?? {}) };
    if (threshold === '') delete safety[category];
    else safety[category] = threshold;
    onChange(Object.keys(safety).length === 0 ? without(params, 'safety') : { ...params, safety });
  };
  return (
    <fieldset className="wide safety" aria-describedby={hintId}>
      <legend>Safety thresholds</legend>
      <span id={hintId} className="hint muted">
        What Gemini blocks, by category. {hint}
      </span>
      {GEMINI_HARM_CATEGORIES.map(({ category, label }) => (
        <label key={category}>
          <span>{label}</span>
          <select aria-label={`${label} threshold for ${of}`} value={params.safety?.[category] ?? ''} onChange={(e) => set(category, e.target.value)}>
            <option value="">default</option>
            {GEMINI_THRESHOLDS.map((t) => (
              <option key={t.threshold} value={t.threshold}>
                {t.label}
              </option>
            ))}
            {/* A threshold this list does not name (set in an imported file) stays choosable as it is. */}
            {params.safety?.[category] !== undefined && !GEMINI_THRESHOLDS.some((t) => t.threshold === params.safety?.[category]) && (
              <option value={params.safety[category]}>{params.safety[category]}</option>
            )}
          </select>
        </label>
      ))}
    </fieldset>
  );
}

/** Every request parameter a variant can set; empty means the provider's default. */
export function ParamFields({ params, model, of, kind, api, onChange }: FieldsProps): React.JSX.Element {
  const reasoning = takesReasoningEffort(model);
  const hint = (vendors: readonly Vendor[]): string => usedBy(vendors, kind, api);
  return (
    <div className="param-fields">
      <NumberParam label="Temperature" name="temperature" params={params} of={of} min={0} max={2} step={0.1} onChange={onChange} />
      <NumberParam label="Top p" name="topP" params={params} of={of} min={0} max={1} step={0.05} onChange={onChange} />
      <NumberParam label="Max tokens" name="maxTokens" params={params} of={of} min={1} max={1_000_000} step={1} integer onChange={onChange} />
      <NumberParam label="Seed" name="seed" params={params} of={of} step={1} integer onChange={onChange} />
      <NumberParam label="Presence penalty" name="presencePenalty" params={params} of={of} min={-2} max={2} step={0.1} onChange={onChange} />
      <NumberParam label="Frequency penalty" name="frequencyPenalty" params={params} of={of} min={-2} max={2} step={0.1} onChange={onChange} />
      <NumberParam label="Top k" name="topK" params={params} of={of} min={1} max={1_000} step={1} integer hint={hint(['anthropic', 'google'])} onChange={onChange} />
      <NumberParam
        label="Thinking budget (tokens)"
        name="thinkingBudget"
        params={params}
        of={of}
        min={-1}
        max={1_000_000}
        step={1}
        integer
        hint={`0 turns thinking off; Anthropic needs at least 1,024 (and less than max tokens); -1 lets the model decide. ${hint(['anthropic', 'google'])}`}
        warn={(n) => (kind === 'anthropic' && n > 0 && n < 1_024 ? 'Anthropic refuses a budget under 1,024 tokens.' : undefined)}
        onChange={onChange}
      />
      <label>
        <span>Reasoning effort</span>
        <select
          aria-label={`Reasoning effort for ${of}`}
          value={params.reasoningEffort ?? ''}
          onChange={(e) => {
            const v = e.target.value;
            const effort = REASONING_EFFORTS.find((r) => r === v);
            onChange(effort ? { ...params, reasoningEffort: effort } : without(params, 'reasoningEffort'));
          }}
        >
          <option value="">default</option>
          {REASONING_EFFORTS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <span className="hint muted">
          {!reasoning && (kind === undefined || kind === 'openai') && 'Only reasoning models (o-series, gpt-5) take this. '}
          {hint(['openai', 'anthropic', 'google'])}
        </span>
      </label>
      <label>
        <span>Reasoning summary</span>
        <select
          aria-label={`Reasoning summary for ${of}`}
          value={params.reasoningSummary ?? ''}
          onChange={(e) => {
            const summary = REASONING_SUMMARIES.find((r) => r === e.target.value);
            onChange(summary ? { ...params, reasoningSummary: summary } : without(params, 'reasoningSummary'));
          }}
        >
          <option value="">off</option>
          {REASONING_SUMMARIES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        <span className="hint muted">{hint(['responses'])}</span>
      </label>
      <SafetyField params={params} of={of} hint={hint(['google'])} onChange={onChange} />
      <StopField params={params} of={of} onChange={onChange} />
      <ResponseFormatField params={params} of={of} onChange={onChange} />
    </div>
  );
}
