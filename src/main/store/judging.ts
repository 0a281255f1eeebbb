/**
 * People's judgements, kept with the run: a rating per cell (1–5 score, thumb, tags, note) and
 * blind pairwise votes. A vote records which variant sat on which side, so the verdict can be
 * computed without trusting the screen.
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import type { Vote, VoteDetail, VoteOutcome } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { VerdictCell } from '../../shared/judging/verdict';
import type { Grading, Message, Rating } from '../../shared/schemas';
import { inTransaction, json, num, optNum, optStr, str, type Row } from './rows';

export interface RatingPatch {
  score?: number | null;
  thumb?: 'up' | 'down' | null;
  tags?: string[];
  note?: string | null;
}

/** The facts of a cell the verdict needs (without its messages), and its id. */
export type CellFacts = VerdictCell & { id: string; cached: boolean };

export class Judging {
  constructor(private readonly db: DatabaseSync) {}

  rate(cellId: string, patch: RatingPatch, rater: string): { runId: string; rating: Rating } {
    const cell = this.db.prepare('SELECT run_id FROM cells WHERE id = ?').get(cellId) as Row | undefined;
    if (!cell) throw new AppError('not_found', 'That answer is no longer there (its run was deleted or re-run).');
    const runId = str(cell, 'run_id');
    const existing = this.db.prepare('SELECT * FROM ratings WHERE cell_id = ?').get(cellId) as Row | undefined;
    const keep = <T>(value: T | null | undefined, old: T | undefined): T | undefined => (value === null ? undefined : value === undefined ? old : value);
    const score = keep(patch.score, existing ? optNum(existing, 'score') : undefined);
    const oldThumb = existing ? optStr(existing, 'thumb') : undefined;
    const thumb = keep(patch.thumb, oldThumb === 'up' || oldThumb === 'down' ? oldThumb : undefined);
    const tags = patch.tags !== undefined ? [...new Set(patch.tags.map((t) => t.trim()).filter((t) => t !== ''))] : existing ? json<string[]>(existing, 'tags') : [];
    const noteText = keep(patch.note, existing ? optStr(existing, 'note') : undefined);
    const note = noteText !== undefined && noteText.trim() !== '' ? noteText : undefined;
    const updatedAt = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO ratings (cell_id, run_id, score, thumb, tags, note, updated_at, rater) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (cell_id) DO UPDATE SET score = excluded.score, thumb = excluded.thumb, tags = excluded.tags, note = excluded.note, updated_at = excluded.updated_at, rater = excluded.rater`,
      )
      .run(cellId, runId, score ?? null, thumb ?? null, JSON.stringify(tags), note ?? null, updatedAt, rater);
    return {
      runId,
      rating: { ...(score !== undefined ? { score } : {}), ...(thumb !== undefined ? { thumb } : {}), tags, ...(note !== undefined ? { note } : {}), updatedAt },
    };
  }

  /**
   * Records (or replaces) one rater's vote on a pair. `detail` is JSON kept with it (an LLM
   * judge's decision in each order).
   */
  vote(input: { runId: string; leftCellId: string; rightCellId: string; outcome: VoteOutcome; note?: string; rater: string; detail?: string }): Vote {
    const cells = this.db.prepare('SELECT id, run_id, case_index, column_index FROM cells WHERE id IN (?, ?)').all(input.leftCellId, input.rightCellId) as Row[];
    const left = cells.find((c) => str(c, 'id') === input.leftCellId);
    const right = cells.find((c) => str(c, 'id') === input.rightCellId);
    if (!left || !right || str(left, 'run_id') !== input.runId || str(right, 'run_id') !== input.runId) {
      throw new AppError('not_found', 'These answers are not in this run any more (it may have been re-run). Reload the pairs.');
    }
    if (num(left, 'case_index') !== num(right, 'case_index') || num(left, 'column_index') === num(right, 'column_index')) {
      throw new AppError('bad_input', 'A vote compares two variants on the same row.');
    }
    const vote: Vote = {
      id: randomUUID(),
      runId: input.runId,
      caseIndex: num(left, 'case_index'),
      leftCellId: input.leftCellId,
      rightCellId: input.rightCellId,
      leftColumn: num(left, 'column_index'),
      rightColumn: num(right, 'column_index'),
      outcome: input.outcome,
      ...(input.note !== undefined && input.note.trim() !== '' ? { note: input.note } : {}),
      createdAt: new Date().toISOString(),
      rater: input.rater,
    };
    this.db
      .prepare(
        `INSERT INTO votes (id, run_id, case_index, left_cell_id, right_cell_id, left_column, right_column, outcome, note, created_at, rater, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, rater, left_cell_id, right_cell_id) DO UPDATE SET outcome = excluded.outcome, note = excluded.note, created_at = excluded.created_at, detail = excluded.detail`,
      )
      .run(vote.id, vote.runId, vote.caseIndex, vote.leftCellId, vote.rightCellId, vote.leftColumn, vote.rightColumn, vote.outcome, vote.note ?? null, vote.createdAt, vote.rater, input.detail ?? null);
    const stored = this.db
      .prepare('SELECT * FROM votes WHERE run_id = ? AND rater = ? AND left_cell_id = ? AND right_cell_id = ?')
      .get(vote.runId, vote.rater, vote.leftCellId, vote.rightCellId) as Row;
    return voteOf(stored);
  }

  /** A run's votes, every rater's, or one rater's. */
  votes(runId: string, rater?: string): Vote[] {
    const rows =
      rater === undefined
        ? this.db.prepare('SELECT * FROM votes WHERE run_id = ? ORDER BY case_index, created_at').all(runId)
        : this.db.prepare('SELECT * FROM votes WHERE run_id = ? AND rater = ? ORDER BY case_index, created_at').all(runId, rater);
    return (rows as Row[]).map(voteOf);
  }

  /**
   * Merges one rater's votes, in one transaction: a pair they voted on before is replaced, so
   * importing the same file twice changes nothing the second time.
   */
  importVotes(
    runId: string,
    rater: string,
    votes: readonly { leftCellId: string; rightCellId: string; outcome: VoteOutcome; note?: string }[],
  ): { added: number; changed: number; unchanged: number } {
    return inTransaction(this.db, () => {
      const before = new Map(this.votes(runId, rater).map((v) => [`${v.leftCellId}|${v.rightCellId}`, v]));
      let added = 0;
      let changed = 0;
      let unchanged = 0;
      for (const vote of votes) {
        const old = before.get(`${vote.leftCellId}|${vote.rightCellId}`);
        const note = vote.note !== undefined && vote.note.trim() !== '' ? vote.note : undefined;
        if (!old) added++;
        else if (old.outcome === vote.outcome && old.note === note) {
          unchanged++;
          continue;
        } else changed++;
        this.vote({ runId, ...vote, rater });
      }
      return { added, changed, unchanged };
    });
  }

  /** The messages a cell sent (what a ballot shows as the prompt). */
  messagesOf(cellId: string): Message[] {
    const row = this.db.prepare('SELECT messages FROM cells WHERE id = ?').get(cellId) as Row | undefined;
    return row ? json<Message[]>(row, 'messages') : [];
  }

  /** Votes and ratings given under one name now carry another (the local person renamed themself). */
  /** Renames a rater's votes and ratings, and runs `also` (saving the name) in the same transaction. */
  renameRater(from: string, to: string, also: () => void = () => undefined): void {
    inTransaction(this.db, () => {
      if (from !== to) {
        const taken = this.db.prepare('SELECT 1 FROM votes WHERE lower(rater) = lower(?) AND rater != ? LIMIT 1').get(to, from);
        if (taken) throw new AppError('bad_input', `Votes from a rater named "${to}" are already here (imported from a votes file). Choose another name.`);
        this.db.prepare('UPDATE votes SET rater = ? WHERE rater = ?').run(to, from);
        this.db.prepare('UPDATE ratings SET rater = ? WHERE rater = ?').run(to, from);
      }
      also();
    });
  }

  /** A rater already here whose name differs from `name` only by case (two people or one?), if any. */
  raterLike(name: string): string | undefined {
    const row = this.db.prepare('SELECT rater FROM votes WHERE lower(rater) = lower(?) AND rater != ? LIMIT 1').get(name, name) as Row | undefined;
    return row ? str(row, 'rater') : undefined;
  }

  /** Each rater of a run and how many votes they gave. */
  raters(runId: string): { rater: string; votes: number }[] {
    return (this.db.prepare('SELECT rater, COUNT(*) AS n FROM votes WHERE run_id = ? GROUP BY rater ORDER BY rater').all(runId) as Row[]).map((row) => ({
      rater: str(row, 'rater'),
      votes: num(row, 'n'),
    }));
  }

  /** Every cell of a run, its measurements, checks and rating: what the verdict is computed from. */
  cellFacts(runId: string, withOutputs: boolean): CellFacts[] {
    const rows = this.db
      .prepare(
        `SELECT c.id, c.column_index, c.case_index, c.repeat, c.status, ${withOutputs ? 'c.output' : "'' AS output"}, c.total_ms, c.input_tokens,
           c.output_tokens, c.cost_usd, c.cost_estimated, c.grading, c.cached, r.score, r.thumb
         FROM cells c LEFT JOIN ratings r ON r.cell_id = c.id WHERE c.run_id = ? ORDER BY c.position`,
      )
      .all(runId) as Row[];
    return rows.map((row) => ({
      id: str(row, 'id'),
      columnIndex: num(row, 'column_index'),
      caseIndex: num(row, 'case_index'),
      repeat: num(row, 'repeat'),
      status: str(row, 'status'),
      output: str(row, 'output'),
      totalMs: optNum(row, 'total_ms'),
      inputTokens: optNum(row, 'input_tokens'),
      outputTokens: optNum(row, 'output_tokens'),
      costUsd: optNum(row, 'cost_usd'),
      costEstimated: num(row, 'cost_estimated') === 1,
      grading: optStr(row, 'grading') !== undefined ? json<Grading>(row, 'grading') : undefined,
      score: optNum(row, 'score'),
      thumb: optStr(row, 'thumb'),
      cached: num(row, 'cached') === 1,
    }));
  }

  /**
   * The first repeat of each (row, variant) that finished: what pairwise judging compares. An
   * answer longer than JUDGE_OUTPUT_CHARS comes cut there, with a line saying so (the cell holds
   * it whole), so the list of pairs stays small when answers are up to 1 MB each.
   */
  firstAnswers(runId: string): { id: string; caseIndex: number; columnIndex: number; output: string }[] {
    const rows = this.db
      .prepare(
        `SELECT id, case_index, column_index, substr(output, 1, ${JUDGE_OUTPUT_CHARS}) AS output, length(output) AS output_chars
         FROM cells WHERE run_id = ? AND repeat = 0 AND status = 'done' ORDER BY case_index, column_index`,
      )
      .all(runId) as Row[];
    return rows.map((row) => {
      const chars = num(row, 'output_chars');
      const more = chars > JUDGE_OUTPUT_CHARS ? `\n\n… [${(chars - JUDGE_OUTPUT_CHARS).toLocaleString('en-US')} more characters: open the cell to read the whole answer]` : '';
      return { id: str(row, 'id'), caseIndex: num(row, 'case_index'), columnIndex: num(row, 'column_index'), output: `${str(row, 'output')}${more}` };
    });
  }
}

/** Characters of each answer a pair to judge carries. */
export const JUDGE_OUTPUT_CHARS = 65_536;

function voteOf(row: Row): Vote {
  const note = optStr(row, 'note');
  const detail = optStr(row, 'detail');
  return {
    id: str(row, 'id'),
    runId: str(row, 'run_id'),
    caseIndex: num(row, 'case_index'),
    leftCellId: str(row, 'left_cell_id'),
    rightCellId: str(row, 'right_cell_id'),
    leftColumn: num(row, 'left_column'),
    rightColumn: num(row, 'right_column'),
    outcome: str(row, 'outcome') as VoteOutcome,
    ...(note !== undefined ? { note } : {}),
    createdAt: str(row, 'created_at'),
    rater: str(row, 'rater'),
    ...(detail !== undefined ? { detail: json<VoteDetail>(row, 'detail') } : {}),
  };
}
