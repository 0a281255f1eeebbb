/**
 * The votes a verdict counts. Every vote on the same answers is not a new observation: three
 * people on 100 pairs are 100 pairs, not 300 (else the intervals are √3 too narrow), and an LLM
 * judge that voted on thousands of pairs must not outweigh the people. So, unless one rater is
 * picked, judges' votes are left out and each pair of a row counts once, as the people's majority.
 */
import type { Vote } from '../contract';
import { JUDGE_RATER_PREFIX } from './agreement';

type Side = 'low' | 'high' | 'tie' | 'both_bad';

/** The side a vote prefers, named by column order (low = the smaller column index). */
function sideOf(vote: Vote): Side | undefined {
  if (vote.outcome === 'skip') return undefined;
  if (vote.outcome === 'tie') return 'tie';
  if (vote.outcome === 'both_bad') return 'both_bad';
  const preferred = vote.outcome === 'left' ? vote.leftColumn : vote.rightColumn;
  return preferred === Math.min(vote.leftColumn, vote.rightColumn) ? 'low' : 'high';
}

/**
 * One vote per (row, pair of variants): the people's majority, a tie when they split evenly.
 * With `rater` the votes are that rater's alone (a judge too, when it is the one picked).
 */
export function verdictVotes(votes: readonly Vote[], rater?: string): Vote[] {
  if (rater !== undefined) return votes.filter((v) => v.rater === rater);
  const groups = new Map<string, Vote[]>();
  for (const vote of votes) {
    if (vote.rater.toLowerCase().startsWith(JUDGE_RATER_PREFIX) || sideOf(vote) === undefined) continue;
    const key = `${vote.caseIndex}:${Math.min(vote.leftColumn, vote.rightColumn)}:${Math.max(vote.leftColumn, vote.rightColumn)}`;
    const group = groups.get(key);
    if (group) group.push(vote);
    else groups.set(key, [vote]);
  }
  const out: Vote[] = [];
  for (const group of groups.values()) {
    const first = group[0] as Vote;
    if (group.length === 1) {
      out.push(first);
      continue;
    }
    const counts = new Map<Side, number>();
    for (const vote of group) {
      const side = sideOf(vote) as Side;
      counts.set(side, (counts.get(side) ?? 0) + 1);
    }
    const top = Math.max(...counts.values());
    const leaders = [...counts].filter(([, n]) => n === top).map(([side]) => side);
    const side: Side = leaders.length === 1 ? (leaders[0] as Side) : 'tie';
    const low = Math.min(first.leftColumn, first.rightColumn);
    const high = Math.max(first.leftColumn, first.rightColumn);
    const outcome: Vote['outcome'] = side === 'low' ? 'left' : side === 'high' ? 'right' : side;
    // Column order, so "left" means the lower column; the cell ids follow the columns.
    const lowFirst = first.leftColumn === low;
    out.push({
      ...first,
      leftColumn: low,
      rightColumn: high,
      leftCellId: lowFirst ? first.leftCellId : first.rightCellId,
      rightCellId: lowFirst ? first.rightCellId : first.leftCellId,
      outcome,
      rater: `${group.length} people`,
    });
  }
  return out;
}
