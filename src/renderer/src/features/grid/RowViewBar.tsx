import { variantLetter } from '../../../../shared/judging/verdict';
import { useEffect, useState } from 'react';
import type { RowFilter, RowSort } from '../../../../shared/row-view';
import { isDefaultView, useRowView } from '../../state/row-view';
import { useRun } from '../../state/run';

/** How long typing in the search box waits before the rows are asked for again. */
const SEARCH_DEBOUNCE_MS = 250;

const METRICS: { value: Exclude<RowSort['by'], 'check'>; label: string }[] = [
  { value: 'case', label: 'Test case (table order)' },
  { value: 'passRate', label: 'Pass rate' },
  { value: 'score', label: 'Check score' },
  { value: 'rating', label: 'Rating (1–5)' },
  { value: 'latency', label: 'Latency' },
  { value: 'cost', label: 'Cost' },
  { value: 'tokens', label: 'Output tokens' },
];

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function VariantSelect({ label, value, onChange, disabled }: { label: string; value: number | undefined; onChange(value: number | undefined): void; disabled?: boolean }): React.JSX.Element {
  const columns = useRun((s) => s.columns.length);
  return (
    <label className="rowview-field">
      <span>{label}</span>
      <select aria-label={label} value={value === undefined ? '' : String(value)} disabled={disabled} onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}>
        <option value="">All variants</option>
        {Array.from({ length: columns }, (_, i) => (
          <option key={i} value={i}>
            Variant {variantLetter(i)}
          </option>
        ))}
      </select>
    </label>
  );
}

function SortControls(): React.JSX.Element {
  const sort = useRowView((s) => s.sort);
  const checks = useRowView((s) => s.checks);
  const setSort = useRowView((s) => s.setSort);
  const value = sort.by === 'check' ? `check:${sort.check ?? 0}` : sort.by;
  return (
    <div role="group" aria-label="Sort rows" className="rowview-group">
      <label className="rowview-field">
        <span>Sort by</span>
        <select
          aria-label="Sort by"
          value={value}
          onChange={(e) => {
            const next = e.target.value;
            if (next.startsWith('check:')) setSort({ by: 'check', check: Number(next.slice(6)) });
            else setSort({ by: next as RowSort['by'], check: undefined });
          }}
        >
          {METRICS.map((m) => (
            <option key={m.value} value={m.value}>
              {m.label}
            </option>
          ))}
          {checks.map((label, i) => (
            <option key={`check:${i}`} value={`check:${i}`}>
              Check: {label}
            </option>
          ))}
        </select>
      </label>
      <VariantSelect label="of" value={sort.column} disabled={sort.by === 'case'} onChange={(column) => setSort({ column })} />
      <label className="rowview-field">
        <span>Order</span>
        <select aria-label="Order" value={sort.descending ? 'desc' : 'asc'} onChange={(e) => setSort({ descending: e.target.value === 'desc' })}>
          <option value="asc">{sort.by === 'case' ? 'First to last' : 'Lowest first'}</option>
          <option value="desc">{sort.by === 'case' ? 'Last to first' : 'Highest first'}</option>
        </select>
      </label>
    </div>
  );
}

function SearchField(): React.JSX.Element {
  const text = useRowView((s) => s.filter.text ?? '');
  const setFilter = useRowView((s) => s.setFilter);
  const [typed, setTyped] = useState(text);
  // Cleared elsewhere ("Clear filters"): the box follows.
  const [seen, setSeen] = useState(text);
  if (text !== seen) {
    setSeen(text);
    setTyped(text);
  }
  useEffect(() => {
    if (typed === text) return;
    const timer = setTimeout(() => setFilter({ text: typed }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [typed, text, setFilter]);
  return (
    <label className="rowview-field rowview-search">
      <span>Search</span>
      <input type="search" aria-label="Search variables and answers" placeholder="in variables and answers" maxLength={500} value={typed} onChange={(e) => setTyped(e.target.value)} />
    </label>
  );
}

function ScoreFilter(): React.JSX.Element {
  const score = useRowView((s) => s.filter.score);
  const setFilter = useRowView((s) => s.setFilter);
  const [value, setValue] = useState(score ? String(score.value) : '');
  const of = score?.of;
  const apply = (patch: Partial<NonNullable<RowFilter['score']>> & { of?: 'checks' | 'rating' | undefined }, text = value): void => {
    const nextOf = 'of' in patch ? patch.of : of;
    const n = Number(text);
    if (!nextOf || text.trim() === '' || !Number.isFinite(n)) {
      setFilter({ score: undefined });
      return;
    }
    setFilter({ score: { of: nextOf, op: patch.op ?? score?.op ?? '<=', value: n } });
  };
  const [op, setOp] = useState<'<=' | '>='>(score?.op ?? '<=');
  return (
    <div role="group" aria-label="Score" className="rowview-group">
      <label className="rowview-field">
        <span>Score</span>
        <select
          aria-label="Score"
          value={of ?? ''}
          onChange={(e) => {
            const next = e.target.value === '' ? undefined : (e.target.value as 'checks' | 'rating');
            if (!next) setFilter({ score: undefined });
            else apply({ of: next, op }, value === '' ? (next === 'rating' ? '2' : '0.5') : value);
            if (next && value === '') setValue(next === 'rating' ? '2' : '0.5');
          }}
        >
          <option value="">Any score</option>
          <option value="checks">Check score</option>
          <option value="rating">Rating</option>
        </select>
      </label>
      <label className="rowview-field">
        <span>is</span>
        <select
          aria-label="is"
          value={op}
          onChange={(e) => {
            const next = e.target.value === '>=' ? '>=' : '<=';
            setOp(next);
            if (of) apply({ op: next });
          }}
        >
          <option value="<=">≤ at most</option>
          <option value=">=">≥ at least</option>
        </select>
      </label>
      <label className="rowview-field rowview-number">
        <span>Score value</span>
        <input
          aria-label="Score value"
          type="number"
          step="any"
          value={value}
          onChange={(e) => {
            setValue(e.target.value);
            if (of) apply({ op }, e.target.value);
          }}
        />
      </label>
    </div>
  );
}

function FilterControls(): React.JSX.Element {
  const filter = useRowView((s) => s.filter);
  const checks = useRowView((s) => s.checks);
  const setFilter = useRowView((s) => s.setFilter);
  // The filters used less often fold away, saying how many are on.
  const more = (filter.check !== undefined ? 1 : 0) + (filter.score !== undefined ? 1 : 0) + (filter.column !== undefined ? 1 : 0);
  return (
    <div role="group" aria-label="Filter rows" className="rowview-group">
      <SearchField />
      <label className="rowview-check">
        <input type="checkbox" checked={filter.failed === true} onChange={(e) => setFilter({ failed: e.target.checked })} />
        Failed checks
      </label>
      <label className="rowview-check">
        <input type="checkbox" checked={filter.errors === true} onChange={(e) => setFilter({ errors: e.target.checked })} />
        Errors
      </label>
      <details className="rowview-more">
        <summary>More filters{more > 0 ? ` (${more} on)` : ''}</summary>
        <div className="rowview-group">
      <label className="rowview-field">
        <span>Check failed</span>
        <select aria-label="Check failed" value={filter.check === undefined ? '' : String(filter.check)} onChange={(e) => setFilter({ check: e.target.value === '' ? undefined : Number(e.target.value) })}>
          <option value="">Any check</option>
          {checks.map((label, i) => (
            <option key={i} value={i}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <ScoreFilter />
      <VariantSelect label="in" value={filter.column} onChange={(column) => setFilter({ column })} />
        </div>
      </details>
    </div>
  );
}

/** Sorting and filtering the grid's rows, how many are shown, and one control to undo both. */
export function RowViewBar(): React.JSX.Element {
  const sort = useRowView((s) => s.sort);
  const filter = useRowView((s) => s.filter);
  const shown = useRowView((s) => s.shown);
  const error = useRowView((s) => s.error);
  const clear = useRowView((s) => s.clear);
  const rows = useRun((s) => s.testCases.length);
  const order = useRun((s) => s.order);
  const plain = isDefaultView(sort, filter);
  const showing = order ? order.length : rows;
  return (
    <div className="rowview">
      <SortControls />
      <FilterControls />
      <div className="rowview-status">
        <span role="status" className="muted">
          Showing {count(plain ? rows : (shown ?? showing))} of {count(rows)} rows
        </span>
        <button type="button" onClick={clear} disabled={plain}>
          Clear sort and filters
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
