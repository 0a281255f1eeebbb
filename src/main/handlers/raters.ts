/**
 * Several raters and a calibrated judge: the local person's name, ballots out and votes files
 * in, agreement between raters, and the `llm-pairwise` judge that votes on every pair in both
 * orders (src/shared/judging/ballot.ts, agreement.ts, pairwise.ts).
 */
import { createHash } from 'node:crypto';
import type { AppEvent, Handlers, VoteDetail } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { computeAgreement, JUDGE_RATER_PREFIX, RUBRIC_RATER, rubricVotes } from '../../shared/judging/agreement';
import { BALLOT_FORMAT, BALLOT_VERSION, ballotSchema, fitBallotPair, MAX_BALLOT_FILE_CHARS, parseVotesFile, type Ballot, type BallotPair } from '../../shared/judging/ballot';
import { combineOrders, pairwiseMessages, parsePairwiseVerdict, requestText } from '../../shared/judging/pairwise';
import type { Message } from '../../shared/schemas';
import { estimateCost } from '../../shared/prices';
import { priceTable } from '../prices';
import type { ProviderRegistry } from '../providers/registry';
import { tokenCount } from '../providers/tokens';
import type { Store } from '../store/store';
import { blindPairs, localRater, RATER_KEY, type BlindPair } from './judging';

type RaterHandlers = Pick<
  Handlers,
  'raters.me' | 'raters.setMe' | 'judge.exportBallot' | 'judge.importVotes' | 'judge.agreement' | 'judge.pairwise' | 'judge.pairwiseEstimate' | 'judge.pairwiseStop'
>;

/** An opaque token per run: a votes file names the ballot it answers without naming the run. */
export function ballotToken(runId: string): string {
  return createHash('sha256').update(`parallax-ballot:${runId}`).digest('hex').slice(0, 24);
}

/**
 * An opaque id per pair, stable for the run's cells and their answers: a re-run keeps the cell
 * ids, so without the answers a vote on the old answers would land on new ones nobody saw.
 */
export function pairId(runId: string, pair: Pick<BlindPair, 'leftCellId' | 'rightCellId' | 'leftOutput' | 'rightOutput'>): string {
  const answers = createHash('sha256').update(JSON.stringify([pair.leftOutput, pair.rightOutput])).digest('hex');
  return createHash('sha256').update(`parallax-pair:${runId}:${pair.leftCellId}:${pair.rightCellId}:${answers}`).digest('hex').slice(0, 24);
}

/** Calls to the judge model at once. */
const PAIRWISE_CONCURRENCY = 4;
/** Pairs one ask of the pairwise judge covers (two calls each): a bill someone agreed to, not 10,000 calls. */
export const MAX_PAIRWISE_PAIRS = 1000;
/** An ask stops starting calls after this long; what it has is kept. */
const PAIRWISE_DEADLINE_MS = 30 * 60_000;
/** Pairs whose prompts are counted for the estimate; the rest are taken to be like them. */
const ESTIMATE_SAMPLE = 100;

function stringVars(vars: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars ?? {})) out[name] = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  return out;
}

/** The prompt a ballot shows: the messages as sent, when both answers were sent the same ones (else they would tell the variants apart). */
function sharedPrompt(store: Store, pair: BlindPair): Message[] | undefined {
  const left = store.judging.messagesOf(pair.leftCellId);
  const right = store.judging.messagesOf(pair.rightCellId);
  const plain = (messages: Message[]): { role: string; content: string }[] => messages.map((m) => ({ role: m.role, content: m.content }));
  return JSON.stringify(plain(left)) === JSON.stringify(plain(right)) ? left : undefined;
}

export function raterHandlers(store: Store, registry: Pick<ProviderRegistry, 'resolve'>, emit: (event: AppEvent) => void): RaterHandlers {
  const detailOf = (runId: string) => {
    const detail = store.getRun(runId);
    if (!detail) throw new AppError('not_found', `No run with id "${runId}".`);
    return detail;
  };
  /** One stop per run's pairwise ask, as one AbortController per stream. */
  const asking = new Map<string, AbortController>();
  const judgeOf = (runId: string, providerId: string | undefined, model: string | undefined) => {
    const judge = providerId !== undefined && model !== undefined ? { providerId, model } : store.gradingSpec(runId).judge;
    if (!judge) throw new AppError('bad_input', 'Choose a judge model (Checks › Judge) or name a provider and model for the pairwise judge.');
    return judge;
  };
  /** The two requests (both orders) the judge gets for a pair. */
  const pairRequests = (detail: ReturnType<typeof detailOf>, pair: BlindPair, rubric: string | undefined): [Message[], Message[]] => {
    // The prompt both were sent; when the variants' prompts differ, the row's values instead
    // (one side's prompt would judge the other against a request it never got, and name it).
    const request = requestText(sharedPrompt(store, pair) ?? [], stringVars(detail.testCases[pair.caseIndex]?.vars));
    return [
      pairwiseMessages({ request, first: pair.leftOutput, second: pair.rightOutput, ...(rubric !== undefined ? { rubric } : {}) }),
      pairwiseMessages({ request, first: pair.rightOutput, second: pair.leftOutput, ...(rubric !== undefined ? { rubric } : {}) }),
    ];
  };

  return {
    'raters.me': () => Promise.resolve({ name: localRater(store) }),
    'raters.setMe': ({ name }) => {
      const before = localRater(store);
      store.judging.renameRater(before, name, () => store.setValue(RATER_KEY, name));
      return Promise.resolve({ name });
    },

    'judge.exportBallot': ({ runId }) => {
      const detail = detailOf(runId);
      const pairs = blindPairs(store, runId, detail.columns.length);
      if (pairs.length === 0) throw new AppError('bad_input', 'This run has no pair of finished answers to put on a ballot.');
      // In the opaque ids' order: in column order, with three or more variants the place of a
      // pair in a row (A–B, A–C, B–C) would tell which variants it holds.
      const ballotPairs: BallotPair[] = pairs.map((pair) => {
        const prompt = sharedPrompt(store, pair);
        return fitBallotPair({
          id: pairId(runId, pair),
          row: pair.caseIndex + 1,
          vars: stringVars(detail.testCases[pair.caseIndex]?.vars),
          ...(prompt ? { prompt: prompt.map((m) => ({ role: m.role, content: m.content })) } : {}),
          left: pair.leftOutput,
          right: pair.rightOutput,
        });
      }).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      const when = detail.run.createdAt.slice(0, 16).replace('T', ' ');
      const ballot: Ballot = {
        format: BALLOT_FORMAT,
        version: BALLOT_VERSION,
        ballot: ballotToken(runId),
        title: `Ballot of a run from ${when}`,
        createdAt: new Date().toISOString(),
        pairs: ballotPairs,
      };
      // What goes out is what the app reads back: checked against the ballot's schema and size.
      const checked = ballotSchema.safeParse(ballot);
      if (!checked.success) throw new AppError('internal', `The ballot would not be readable: ${checked.error.issues[0]?.message ?? 'it does not match its format'}.`);
      let text = `${JSON.stringify(ballot, null, 2)}\n`;
      if (text.length > MAX_BALLOT_FILE_CHARS) {
        // Too big with the prompts: without them (each pair still shows its row's values).
        text = `${JSON.stringify({ ...ballot, pairs: ballot.pairs.map(({ prompt: _prompt, ...rest }) => rest) }, null, 2)}\n`;
        if (text.length > MAX_BALLOT_FILE_CHARS) throw new AppError('bad_input', `This run's answers make a ballot over ${MAX_BALLOT_FILE_CHARS / 1024 / 1024} MB, too large to send. Cap the answers' length and run again, or judge it here.`);
      }
      return Promise.resolve({ fileName: `parallax-ballot-${detail.run.createdAt.slice(0, 19).replace(/[:T]/g, '-')}.json`, text, mimeType: 'application/json' });
    },

    'judge.importVotes': ({ runId, text }) => {
      const detail = detailOf(runId);
      const parsed = parseVotesFile(text);
      if (!parsed.ok) throw new AppError('bad_input', parsed.message);
      const file = parsed.value;
      if (file.ballot !== ballotToken(runId)) {
        throw new AppError('bad_input', `These votes answer the ballot of another run, not this one. Open the run the ballot was exported from, then import them there.`);
      }
      const me = localRater(store);
      if (file.rater.toLowerCase() === me.toLowerCase()) {
        throw new AppError('bad_input', `These votes are signed "${file.rater}", which is your own name here (Settings › Your name). Ask the rater to export them under their own name.`);
      }
      const like = store.judging.raterLike(file.rater);
      if (like !== undefined) {
        throw new AppError('bad_input', `These votes are signed "${file.rater}", but votes from "${like}" are already here: the same person, or two? Ask for the file again under a name that tells them apart, or signed exactly "${like}".`);
      }
      const byId = new Map(blindPairs(store, runId, detail.columns.length).map((pair) => [pairId(runId, pair), pair]));
      const unknown = file.votes.filter((v) => !byId.has(v.pair)).length;
      if (unknown > 0) {
        throw new AppError('bad_input', `${unknown} of the ${file.votes.length} votes name pairs this run does not have, or answers that changed since: a re-run after the ballot was exported makes new answers, and votes on the old ones are not counted for them. Export a new ballot. Nothing was imported.`);
      }
      const result = store.judging.importVotes(
        runId,
        file.rater,
        file.votes.map((v) => {
          const pair = byId.get(v.pair) as BlindPair;
          return { leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome: v.outcome, ...(v.note !== undefined ? { note: v.note } : {}) };
        }),
      );
      if (result.added + result.changed > 0) emit({ type: 'judge.changed', runId });
      return Promise.resolve({ rater: file.rater, ...result });
    },

    'judge.agreement': ({ runId }) => {
      const detail = detailOf(runId);
      const votes = store.judging.votes(runId);
      // llm-rubric's scores, where the run has them, read as a pairwise judge on the pairs people voted on.
      const rubric = new Map<string, number>();
      for (const cell of store.judging.cellFacts(runId, false)) {
        const scores = (cell.grading?.componentResults ?? []).filter((c) => c.type === 'llm-rubric' && c.check !== undefined).map((c) => c.score);
        if (scores.length > 0) rubric.set(cell.id, scores.reduce((a, b) => a + b, 0) / scores.length);
      }
      const judge = store.gradingSpec(runId).judge;
      const derived = rubric.size > 0 ? [{ rater: RUBRIC_RATER, model: judge?.model ?? '', votes: rubricVotes(votes, (id) => rubric.get(id)) }] : [];
      return Promise.resolve(computeAgreement({ votes, derived, variantModels: detail.columns.map((c) => c.model) }));
    },

    'judge.pairwiseEstimate': ({ runId, providerId, model, rubric }) => {
      const detail = detailOf(runId);
      const judge = judgeOf(runId, providerId, model);
      const all = blindPairs(store, runId, detail.columns.length);
      const pairs = all.slice(0, MAX_PAIRWISE_PAIRS);
      const sample = pairs.slice(0, ESTIMATE_SAMPLE);
      const sampled = sample.reduce((sum, pair) => sum + pairRequests(detail, pair, rubric).reduce((n, messages) => n + tokenCount(messages.map((m) => m.content).join('\n')), 0), 0);
      const inputTokens = sample.length > 0 ? Math.round((sampled / sample.length) * pairs.length) : 0;
      const calls = pairs.length * 2;
      // The verdict is a few words of reasoning and a letter: 256 tokens a call, as runs.estimate assumes without max_tokens.
      const costUsd = estimateCost(judge.model, inputTokens, calls * 256, priceTable(store));
      return Promise.resolve({ rater: `${JUDGE_RATER_PREFIX}${judge.model}`, pairs: pairs.length, capped: all.length - pairs.length, calls, inputTokens, ...(costUsd !== undefined ? { costUsd } : {}) });
    },
    'judge.pairwiseStop': ({ runId }) => {
      const controller = asking.get(runId);
      controller?.abort();
      return Promise.resolve({ stopped: controller !== undefined });
    },
    'judge.pairwise': async ({ runId, providerId, model, rubric }) => {
      const detail = detailOf(runId);
      const judge = judgeOf(runId, providerId, model);
      const rater = `${JUDGE_RATER_PREFIX}${judge.model}`;
      if (asking.has(runId)) throw new AppError('bad_input', 'The pairwise judge is already asking about this run. Stop it first, or wait for it.');
      const { provider } = await registry.resolve(judge.providerId);
      const controller = new AbortController();
      asking.set(runId, controller);
      const deadline = setTimeout(() => controller.abort(), PAIRWISE_DEADLINE_MS);
      const ask = async (messages: Message[]): Promise<'A' | 'B' | 'C' | undefined> => {
        let text = '';
        for await (const part of provider.stream({ model: judge.model, messages, params: { temperature: 0 }, signal: controller.signal })) {
          if (part.type === 'delta') text += part.text;
        }
        return parsePairwiseVerdict(text);
      };
      const all = blindPairs(store, runId, detail.columns.length);
      const pairs = all.slice(0, MAX_PAIRWISE_PAIRS);
      let voted = 0;
      let flips = 0;
      let failed = 0;
      let next = 0;
      const work = async (): Promise<void> => {
        while (next < pairs.length && !controller.signal.aborted) {
          const pair = pairs[next++] as BlindPair;
          const [first, second] = pairRequests(detail, pair, rubric);
          try {
            const [forward, reversed] = await Promise.all([ask(first), ask(second)]);
            // A call cut by the stop is no verdict: the pair counts as not asked.
            if (controller.signal.aborted) continue;
            if (forward === undefined || reversed === undefined) {
              failed++;
              continue;
            }
            const decided = combineOrders(forward, reversed);
            const detailJson: VoteDetail = { kind: 'llm-pairwise', forward: decided.forward, reversed: decided.reversed };
            if (decided.forward !== decided.reversed) flips++;
            store.judging.vote({ runId, leftCellId: pair.leftCellId, rightCellId: pair.rightCellId, outcome: decided.outcome, rater, detail: JSON.stringify(detailJson) });
            voted++;
          } catch {
            if (!controller.signal.aborted) failed++;
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(PAIRWISE_CONCURRENCY, pairs.length) }, work));
      } finally {
        clearTimeout(deadline);
        asking.delete(runId);
      }
      if (voted > 0) emit({ type: 'judge.changed', runId });
      const notAsked = all.length - voted - failed;
      return { rater, voted, flips, failed, ...(notAsked > 0 ? { notAsked } : {}), ...(controller.signal.aborted ? { stopped: true } : {}) };
    },
  };
}
