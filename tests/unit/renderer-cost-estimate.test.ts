/**
 * An estimated cost (tokens counted here because the server sent no usage) reads as one in the
 * grid cell, the run's progress line and its running totals; an exact one reads as before.
 */
import { describe, expect, it } from 'vitest';
import type { Cell } from '../../src/shared/schemas';
import { formatCost } from '../../src/renderer/src/features/columns/format';
import { figures } from '../../src/renderer/src/features/grid/GridCell';
import { progressLine } from '../../src/renderer/src/features/grid/summary';
import { countTransition, emptyCounts } from '../../src/renderer/src/state/stream-reducer';

function cell(patch: Partial<Cell>): Cell {
  return {
    id: 'c1',
    runId: 'r1',
    columnIndex: 0,
    caseIndex: 0,
    repeat: 0,
    providerId: 'lab',
    providerName: 'Local lab',
    model: 'm',
    params: {},
    variables: {},
    messages: [{ role: 'user', content: 'hi' }],
    status: 'done',
    output: 'hello',
    usage: { inputTokens: 12, outputTokens: 40 },
    ...patch,
  };
}

describe('an estimated cost', () => {
  it('reads as an estimate in the cell, and an exact one does not', () => {
    expect(formatCost(0.0012, true)).toBe('≈$0.00120 (estimated)');
    expect(formatCost(0.0012)).toBe('$0.00120');
    expect(formatCost(undefined, true)).toBe('no price');
    expect(figures(cell({ costUsd: 0.0012, costEstimated: true }))).toContain('≈$0.00120 (estimated)');
    expect(figures(cell({ costUsd: 0.0012 }))).not.toContain('estimated');
  });

  it('makes the progress total an estimate once one cell is', () => {
    let counts = emptyCounts(2);
    counts = countTransition(counts, 'pending', cell({ id: 'a', costUsd: 0.25 }));
    expect(progressLine(counts, undefined, true)).toBe('1 / 2 · $0.25 so far');
    counts = countTransition(counts, 'pending', cell({ id: 'b', costUsd: 0.5, costEstimated: true }));
    expect(counts.costEstimated).toBe(1);
    expect(progressLine(counts, undefined, false)).toBe('2 / 2 · ≈$0.75 spent (estimated)');
  });
});
