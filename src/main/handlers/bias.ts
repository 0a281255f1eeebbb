/** The bias probe's report: a probe run's answers grouped by the attribute value each row stands for. */
import { z } from 'zod';
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { attributeKind } from '../../shared/bias/attributes';
import { attributeKindSchema, attributeValueSchema, biasReport, markedTermSchema, probeKind, type ProbeAnswer } from '../../shared/bias/report';
import { readProbe } from '../../shared/bias/substitute';
import type { Store } from '../store/store';

type BiasHandlers = Pick<Handlers, 'bias.report'>;

/** What a probe was asked with, kept with the run (key/value, no migration) for when its report is reopened. */
const probeKey = (runId: string): string => `bias.probe:${runId}`;
const savedProbeSchema = z.object({ kind: attributeKindSchema, values: z.array(attributeValueSchema).min(2).max(64), marked: z.array(markedTermSchema).max(50).optional() });

function savedProbe(store: Store, runId: string): z.infer<typeof savedProbeSchema> | undefined {
  const text = store.getValue(probeKey(runId));
  if (text === undefined) return undefined;
  try {
    const parsed = savedProbeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Answers a report reads at most: every pair of a variant's answers is compared once and then
 * again in every shuffle, so the work grows with the square of this.
 */
export const MAX_PROBE_ANSWERS = 2000;

export function biasHandlers(store: Store): BiasHandlers {
  return {
    'bias.report': async ({ runId, marked, permutations, seed, ...given }) => {
      const detail = store.getRun(runId);
      if (!detail) throw new AppError('not_found', `No run with id "${runId}".`);
      // A probe run reopened later: its rows say what each stands for.
      const full = given.kind && given.values && given.caseValues;
      const read = full ? undefined : readProbe(detail.testCases);
      if (!read && !full) throw new AppError('bad_input', 'This run is not a bias probe: its rows were not made by one (or name the attribute and values with the request).');
      // Reopened: the values (with their own terms) and the hand-marked terms the probe was made with.
      const saved = full ? undefined : savedProbe(store, runId);
      const kind = given.kind ?? read?.kind ?? 'names';
      const caseValues = given.caseValues ?? read?.caseValues ?? [];
      const savedValues = saved && saved.kind === kind ? saved.values : undefined;
      const values =
        given.values ?? [...new Set(caseValues)].map((label) => savedValues?.find((v) => v.label === label) ?? attributeKind(kind).values.find((v) => v.label === label) ?? { label, terms: [label] });
      const marks = marked ?? (saved && saved.kind === kind ? saved.marked : undefined);
      if (detail.testCases.length !== caseValues.length) {
        throw new AppError('bad_input', `The run has ${detail.testCases.length} rows but the probe names a value for ${caseValues.length}: open the probe's own run.`);
      }
      if (detail.progress.total > MAX_PROBE_ANSWERS) throw new AppError('bad_input', `A bias probe compares at most ${MAX_PROBE_ANSWERS} answers; this run has ${detail.progress.total}.`);
      const answers: ProbeAnswer[] = store.cellsOf(runId).map((cell) => ({
        cellId: cell.id,
        caseIndex: cell.caseIndex,
        columnIndex: cell.columnIndex,
        repeat: cell.repeat,
        output: cell.output,
        ok: cell.status === 'done',
        ...(cell.grading ? { pass: cell.grading.pass, score: cell.grading.score } : {}),
      }));
      if (full) store.setValue(probeKey(runId), JSON.stringify({ kind, values, ...(marked ? { marked } : {}) }));
      const report = biasReport(probeKind(kind, values), answers, caseValues, { ...(marks ? { marked: marks } : {}), permutations: permutations ?? 2000, seed: seed ?? 1 });
      return { ...report, kind };
    },
  };
}
