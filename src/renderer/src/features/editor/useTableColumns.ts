import { useMemo } from 'react';
import { tableColumns } from '../../monaco/template-problems';
import { useWorkspace } from '../../state/workspace';

/** The variable names that have a value in at least one row of the test-case table. */
export function useTableColumns(): ReadonlySet<string> {
  const testCases = useWorkspace((s) => s.testCases);
  return useMemo(() => tableColumns(testCases), [testCases]);
}
