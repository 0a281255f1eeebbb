import { useEffect, useState } from 'react';
import { runStatusSchema, type RunStatus } from '../../../../shared/schemas';
import { hasFilters, useHistory } from '../../state/history';

const SEARCH_DELAY_MS = 250;

/** Search and filters over every run; main does the finding, so 100,000 runs filter as fast as ten. */
export function HistoryFilters(): React.JSX.Element {
  const filters = useHistory((s) => s.filters);
  const facets = useHistory((s) => s.facets);
  const setFilters = useHistory((s) => s.setFilters);
  const clearFilters = useHistory((s) => s.clearFilters);
  const [query, setQuery] = useState(filters.query);
  // Changed from elsewhere (Clear filters): the field follows.
  const [applied, setApplied] = useState(filters.query);
  if (applied !== filters.query) {
    setApplied(filters.query);
    setQuery(filters.query);
  }
  useEffect(() => {
    if (query === filters.query) return;
    const timer = setTimeout(() => setFilters({ query }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query, filters.query, setFilters]);

  return (
    <div role="search" className="history-filters" aria-label="Find runs">
      <label className="history-search">
        <span>Search</span>
        <input
          type="search"
          value={query}
          maxLength={500}
          placeholder="Words of a prompt, a test case or an answer"
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') setFilters({ query });
          }}
        />
      </label>
      <label>
        <span>Status</span>
        <select value={filters.status} onChange={(e) => setFilters({ status: e.target.value as RunStatus | '' })}>
          <option value="">Any</option>
          {runStatusSchema.options.map((status) => (
            <option key={status} value={status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Model</span>
        <select value={filters.model} onChange={(e) => setFilters({ model: e.target.value })}>
          <option value="">Any</option>
          {facets.models.map((model) => (
            <option key={model} value={model}>
              {model}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Label</span>
        <select value={filters.label} onChange={(e) => setFilters({ label: e.target.value })} disabled={facets.labels.length === 0 && filters.label === ''}>
          <option value="">Any</option>
          {facets.labels.map((label) => (
            <option key={label} value={label}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>From</span>
        <input type="date" value={filters.from} onChange={(e) => setFilters({ from: e.target.value })} />
      </label>
      <label>
        <span>To</span>
        <input type="date" value={filters.to} onChange={(e) => setFilters({ to: e.target.value })} />
      </label>
      {hasFilters(filters) && (
        <button type="button" className="link" onClick={clearFilters}>
          Clear filters
        </button>
      )}
    </div>
  );
}
