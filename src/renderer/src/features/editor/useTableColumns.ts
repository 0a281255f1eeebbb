import { useMemo } from 'react';
import { useWorkspace } from '../../state/workspace';

/**
 * The variable names that have a value in at least one row of the test-case table. The
 * workspace keeps them up to date as rows change, so typing in a 10,000-row table does not
 * rescan it on every keystroke.
 */
export function useTableColumns(): ReadonlySet<string> {
  const names = useWorkspace((s) => s.caseVarNames);
  return useMemo(() => new Set(names), [names]);
}
