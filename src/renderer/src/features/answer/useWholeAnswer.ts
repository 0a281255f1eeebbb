import { useEffect, useState } from 'react';
import type { Cell } from '../../../../shared/schemas';
import { api } from '../../bridge/current';

/**
 * A cell's answer whole: grid pages carry long answers cut to their start (cell.outputChars),
 * so the whole one is read once with runs.cell.
 */
export function useWholeAnswer(cell: Cell | undefined): string {
  return useWholeAnswerState(cell).text;
}

/** The answer so far, and whether it is whole yet (false while the rest of a long one is read). */
export function useWholeAnswerState(cell: Cell | undefined): { text: string; whole: boolean } {
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
  if (!cell) return { text: '', whole: false };
  if (whole?.id === cell.id) return { text: whole.output, whole: true };
  return { text: cell.output, whole: cell.outputChars === undefined };
}
