import { useEffect, useState } from 'react';
import type { Cell } from '../../../../shared/schemas';
import { api } from '../../bridge/current';

/**
 * A cell's answer whole: grid pages carry long answers cut to their start (cell.outputChars),
 * so the whole one is read once with runs.cell.
 */
export function useWholeAnswer(cell: Cell | undefined): string {
  const [whole, setWhole] = useState<{ id: string; output: string } | undefined>(undefined);
  const id = cell?.id;
  const partial = cell?.outputChars !== undefined;
  useEffect(() => {
    if (id === undefined || !partial) return;
    let live = true;
    void api()['runs.cell']({ cellId: id })
      .then((full) => {
        if (live) setWhole({ id, output: full.output });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [id, partial]);
  if (!cell) return '';
  return whole?.id === cell.id ? whole.output : cell.output;
}
