import { useEffect, useState } from 'react';
import type { Cell } from '../../../../shared/schemas';
import { api } from '../../bridge/current';

export type CellExtras = Pick<Cell, 'reasoning' | 'toolCalls' | 'params' | 'usage'>;

/**
 * A stored cell's thinking and tool calls, for views that hold only its text (Judge's pairs):
 * read once per cell with runs.cell. Undefined while it is read, or when it cannot be.
 */
export function useCellExtras(cellId: string | undefined): CellExtras | undefined {
  const [read, setRead] = useState<{ id: string; extras: CellExtras } | undefined>(undefined);
  useEffect(() => {
    if (cellId === undefined) return;
    let live = true;
    void api()['runs.cell']({ cellId })
      .then((cell) => {
        if (live) setRead({ id: cellId, extras: { reasoning: cell.reasoning, toolCalls: cell.toolCalls, params: cell.params, usage: cell.usage } });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [cellId]);
  return read !== undefined && read.id === cellId ? read.extras : undefined;
}
