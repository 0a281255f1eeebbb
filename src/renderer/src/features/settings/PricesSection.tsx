import { useEffect, useState } from 'react';
import { PRICES, PRICES_AS_OF, type Price } from '../../../../shared/prices';
import { api } from '../../bridge/current';
import { messageOf } from '../../state/errors';
import './prices.css';

type Table = Record<string, Price>;
/** One model's prices as typed: text, so a half-typed number is not lost. An empty optional price is the input or output price. */
interface DraftPrice {
  input: string;
  output: string;
  cached: string;
  write: string;
  reasoning: string;
}
type Draft = Record<string, DraftPrice>;
type Side = keyof DraftPrice;

const optional = (n: number | undefined): string => (n === undefined ? '' : String(n));

export function toDraft(table: Table): Draft {
  return Object.fromEntries(
    Object.entries(table).map(([model, p]) => [
      model,
      { input: String(p.inputPerMTok), output: String(p.outputPerMTok), cached: optional(p.cachedInputPerMTok), write: optional(p.cacheWritePerMTok), reasoning: optional(p.reasoningPerMTok) },
    ]),
  );
}

/** The columns after the model: the two every price has, then the three that default to them. */
const COLUMNS: readonly { side: Side; heading: string; label: string; blank?: string }[] = [
  { side: 'input', heading: '$ / M input', label: 'Input price' },
  { side: 'output', heading: '$ / M output', label: 'Output price' },
  { side: 'cached', heading: '$ / M cached input', label: 'Cached input price', blank: 'as input' },
  { side: 'write', heading: '$ / M cache write', label: 'Cache write price', blank: 'as input' },
  { side: 'reasoning', heading: '$ / M reasoning', label: 'Reasoning price', blank: 'as output' },
];

/** Whether a typed price can be saved: a number of 0 or more, or (an optional one) empty. */
export function validPrice(side: Side, text: string): boolean {
  if (text.trim() === '') return side !== 'input' && side !== 'output';
  return parsePrice(text) !== undefined;
}

export function toPrice(p: DraftPrice): Price {
  const cached = parsePrice(p.cached);
  const write = parsePrice(p.write);
  const reasoning = parsePrice(p.reasoning);
  return {
    inputPerMTok: parsePrice(p.input) ?? 0,
    outputPerMTok: parsePrice(p.output) ?? 0,
    ...(cached !== undefined ? { cachedInputPerMTok: cached } : {}),
    ...(write !== undefined ? { cacheWritePerMTok: write } : {}),
    ...(reasoning !== undefined ? { reasoningPerMTok: reasoning } : {}),
  };
}

function parsePrice(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

const EMPTY_NEW = { model: '', input: '', output: '' };

/**
 * The price table the run estimate and the cost of each cell use: the built-in list prices,
 * with the user's own entries over them. Saved with prices.save; a reset entry goes back to
 * the built-in price.
 */
export function PricesSection(): React.JSX.Element {
  const [overrides, setOverrides] = useState<Draft>({});
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [adding, setAdding] = useState(EMPTY_NEW);
  const [addError, setAddError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    const get = api()['prices.get'];
    get({})
      .then((r) => {
        if (!live) return;
        setOverrides(toDraft(r.overrides));
        setLoaded(true);
      })
      .catch((e: unknown) => live && setError(messageOf(e)));
    return () => {
      live = false;
    };
  }, []);

  const models = [...new Set([...Object.keys(PRICES), ...Object.keys(overrides)])].sort((a, b) => a.localeCompare(b));
  const shown = (model: string): DraftPrice =>
    overrides[model] ?? toDraft({ [model]: PRICES[model] ?? { inputPerMTok: 0, outputPerMTok: 0 } })[model] ?? { input: '', output: '', cached: '', write: '', reasoning: '' };
  const edit = (model: string, side: Side, text: string): void => {
    setNotice(undefined);
    setOverrides((o) => ({ ...o, [model]: { ...shown(model), [side]: text } }));
  };
  const reset = (model: string): void => {
    setNotice(undefined);
    setOverrides((o) => Object.fromEntries(Object.entries(o).filter(([m]) => m !== model)));
  };
  const invalid = Object.entries(overrides)
    .filter(([, p]) => COLUMNS.some(({ side }) => !validPrice(side, p[side])))
    .map(([m]) => m);

  const save = async (): Promise<void> => {
    setError(undefined);
    setNotice(undefined);
    if (invalid.length > 0) {
      setError(`Enter a price of 0 or more for ${invalid.join(', ')} (a cached-input, cache-write or reasoning price may be left empty).`);
      return;
    }
    const table: Table = Object.fromEntries(Object.entries(overrides).map(([m, p]) => [m, toPrice(p)]));
    try {
      const saved = await api()['prices.save']({ overrides: table });
      setOverrides(toDraft(saved.overrides));
      setNotice('Prices saved.');
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const add = (event: React.FormEvent): void => {
    event.preventDefault();
    const model = adding.model.trim();
    if (model === '') return setAddError('Give the model id, as the provider names it (e.g. llama3.1:8b).');
    if (parsePrice(adding.input) === undefined || parsePrice(adding.output) === undefined) return setAddError('Enter both prices as numbers of 0 or more.');
    setAddError(undefined);
    setNotice(undefined);
    setOverrides((o) => ({ ...o, [model]: { input: adding.input.trim(), output: adding.output.trim(), cached: '', write: '', reasoning: '' } }));
    setAdding(EMPTY_NEW);
  };

  return (
    <section className="prices" aria-labelledby="prices-heading">
      <h2 id="prices-heading">Prices</h2>
      <p className="muted">
        US dollars per million tokens, used for the estimate before a run and the cost of each cell. A model with no price shows no cost rather than a wrong one. A dated
        snapshot (gpt-4o-2024-08-06, claude-sonnet-4-5-20250929) uses its base model&apos;s price. Cached input is what a prompt-cache hit costs, cache write what
        writing to Anthropic&apos;s cache costs, reasoning what thinking tokens cost; left empty, they cost what input or output costs.
      </p>
      <p className="muted" id="prices-as-of">
        The built-in prices are the vendors&apos; list prices as of {PRICES_AS_OF}, for prompts up to 200K tokens; check them against the vendors&apos; pricing pages and correct
        any that changed.
      </p>
      {!loaded && !error && <p className="muted">Loading prices…</p>}
      {loaded && (
        <table className="price-table" aria-label="Price table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              {COLUMNS.map((c) => (
                <th key={c.side} scope="col">
                  {c.heading}
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {models.map((model) => {
              const value = shown(model);
              const builtIn = Object.hasOwn(PRICES, model);
              const custom = Object.hasOwn(overrides, model);
              return (
                <tr key={model}>
                  <th scope="row">
                    {model} {custom && <span className="price-badge">{builtIn ? 'your price' : 'added'}</span>}
                  </th>
                  {COLUMNS.map((c) => (
                    <td key={c.side}>
                      <input
                        inputMode="decimal"
                        aria-label={`${c.label} of ${model}`}
                        aria-invalid={custom && !validPrice(c.side, value[c.side]) ? true : undefined}
                        placeholder={c.blank}
                        value={value[c.side]}
                        onChange={(e) => edit(model, c.side, e.target.value)}
                      />
                    </td>
                  ))}
                  <td>
                    {custom && (
                      <button type="button" className="ghost" onClick={() => reset(model)}>
                        {builtIn ? `Reset ${model}` : `Remove ${model}`}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}
      <div className="row">
        <button type="button" className="primary" disabled={!loaded} onClick={() => void save()}>
          Save prices
        </button>
      </div>
      <form className="price-add" aria-labelledby="price-add-heading" onSubmit={add}>
        <h3 id="price-add-heading">Add a model</h3>
        <div className="row">
          <label>
            <span>Model id</span>
            <input value={adding.model} onChange={(e) => setAdding({ ...adding, model: e.target.value })} placeholder="llama3.1:8b" />
          </label>
          <label>
            <span>$ / M input</span>
            <input inputMode="decimal" value={adding.input} onChange={(e) => setAdding({ ...adding, input: e.target.value })} placeholder="0.2" />
          </label>
          <label>
            <span>$ / M output</span>
            <input inputMode="decimal" value={adding.output} onChange={(e) => setAdding({ ...adding, output: e.target.value })} placeholder="0.6" />
          </label>
          <button type="submit">Add price</button>
        </div>
        {addError && (
          <p className="error-text" role="alert">
            {addError}
          </p>
        )}
        <p className="muted">Added and changed prices apply once you press Save prices.</p>
      </form>
    </section>
  );
}
