/**
 * Writing help (docs/architecture.md, "Writing help"): an author model writes a prompt, test
 * cases or a revision. Each call is a run of one cell through the runner, so it takes the same
 * request path as any run (keys, retries, the answer cap, masking, prices) and is kept in
 * History with its prompt and answer; its variant is labelled `author:<action>`.
 */
import { JUDGE_RATER_PREFIX } from '../../shared/judging/agreement';
import { randomUUID } from 'node:crypto';
import type { Handlers, ParsedInput } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import {
  AUTHOR_ACTION_NAMES,
  AuthorAnswerError,
  authorPromptOf,
  authorSettingsSchema,
  dropNearDuplicates,
  readGeneratedRows,
  readPromptDraft,
  readRevision,
  type AuthorAction,
  type AuthorResult,
  type AuthorSettings,
  type ParsedAuthorRequest,
} from '../../shared/author';
import type { Cell, Message, RunDetail, Variables } from '../../shared/schemas';
import { planAppRun } from '../services';
import type { ProviderRegistry } from '../providers/registry';
import type { Runner } from '../runner/runner';
import type { Store } from '../store/store';

type AuthorHandlers = Pick<Handlers, 'author.settings' | 'author.saveSettings' | 'author.estimate' | 'author.generate' | 'author.estimateRevision' | 'author.tryRevision'>;

export const AUTHOR_SETTINGS_KEY = 'author.settings';

/** Of each value and answer the improver is shown, and how much evidence in all. */
const VALUE_CHARS = 500;
const ANSWER_CHARS = 800;
const EVIDENCE_ROWS = 20;
const EVIDENCE_CHARS = 30_000;
/** Rows of the table the case writer sees, to avoid repeating them. */
const EXISTING_SHOWN = 30;

function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars)}… (${text.length - chars} more characters)` : text;
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function promptText(messages: readonly Message[]): string {
  return messages.map((m) => `[${m.role}]\n${m.content}`).join('\n\n');
}

export function loadAuthorSettings(store: Store): AuthorSettings {
  const text = store.getValue(AUTHOR_SETTINGS_KEY);
  if (text === undefined) return { models: {}, prompts: {} };
  try {
    return authorSettingsSchema.parse(JSON.parse(text));
  } catch {
    // A setting from a newer or damaged build: the defaults, not a broken Writing help.
    return { models: {}, prompts: {} };
  }
}

interface Deps {
  store: Store;
  runner: Runner;
  registry: ProviderRegistry;
  /** The other handlers (estimate, verdict, library, runs.start), read when called. */
  handlers: () => Handlers;
}

/** The evidence an improver reads: rows where checks failed or votes went against a variant. */
export async function evidenceOf(deps: Deps, detail: RunDetail): Promise<{ evidence: string; verdict: string; rubric: string }> {
  const { store, handlers } = deps;
  const runId = detail.run.id;
  const labels = detail.columns.map((c, i) => `${String.fromCharCode(65 + i)}${c.label ? ` (${c.label})` : ''}`);
  const votes = store.judging.votes(runId);
  const votesByCase = new Map<number, string[]>();
  for (const vote of votes) {
    if (vote.outcome === 'tie' || vote.outcome === 'skip') continue;
    const left = labels[vote.leftColumn] ?? '?';
    const right = labels[vote.rightColumn] ?? '?';
    const said =
      vote.outcome === 'both_bad' ? `both ${left} and ${right} were voted bad` : vote.outcome === 'left' ? `${left} was preferred over ${right}` : `${right} was preferred over ${left}`;
    // An LLM judge's vote is evidence too, but said to be the judge's, not a person's.
    const by = vote.rater.startsWith(JUDGE_RATER_PREFIX) ? ` (by the LLM judge ${cut(vote.rater.slice(JUDGE_RATER_PREFIX.length), 80)})` : '';
    votesByCase.set(vote.caseIndex, [...(votesByCase.get(vote.caseIndex) ?? []), `${said}${by}${vote.note ? ` ("${cut(vote.note, 200)}")` : ''}`]);
  }
  // The rows to show: failed checks or errors (one grouped query each, row-order.ts) and rows with votes, in table order.
  const failingRows = [...(store.rowOrder.rows(runId, undefined, { failed: true })?.rows ?? []), ...(store.rowOrder.rows(runId, undefined, { errors: true })?.rows ?? [])];
  const cases = [...new Set([...failingRows, ...votesByCase.keys()])].sort((a, b) => a - b).slice(0, EVIDENCE_ROWS);
  const byCase = new Map<number, Cell[]>();
  if (cases.length > 0) for (const cell of store.cellsOfCaseList(runId, cases)) byCase.set(cell.caseIndex, [...(byCase.get(cell.caseIndex) ?? []), cell]);
  const rows: string[] = [];
  let chars = 0;
  for (const caseIndex of cases) {
    if (chars >= EVIDENCE_CHARS) break;
    const caseCells = byCase.get(caseIndex) ?? [];
    const failing = caseCells.filter((c) => c.error !== undefined || (c.grading !== undefined && !c.grading.pass));
    const said = votesByCase.get(caseIndex) ?? [];
    const testCase = detail.testCases[caseIndex];
    const lines = [`Row ${caseIndex + 1}`];
    for (const [name, value] of Object.entries(testCase?.vars ?? {})) lines.push(`  ${name}: ${cut(valueText(value), VALUE_CHARS)}`);
    if (testCase?.expected !== undefined) lines.push(`  expected: ${cut(testCase.expected, VALUE_CHARS)}`);
    for (const cell of failing.length > 0 ? failing.slice(0, 4) : caseCells.slice(0, 2)) {
      lines.push(`  Answer of ${labels[cell.columnIndex] ?? '?'}: ${cell.error ? `(error) ${cut(cell.error.message, VALUE_CHARS)}` : cut(cell.output, ANSWER_CHARS)}`);
      for (const check of cell.grading?.componentResults ?? []) {
        if (!check.pass) lines.push(`    failed check ${check.type}: ${cut(check.reason, VALUE_CHARS)}`);
      }
    }
    for (const vote of said) lines.push(`  vote: ${vote}`);
    const text = lines.join('\n');
    rows.push(text);
    chars += text.length;
  }
  const verdict = await handlers()['judge.verdict']({ runId });
  const verdictLines = verdict.variants.map(
    (v) => `${v.label}: ${v.passRate ? `${Math.round((v.passRate.estimate ?? 0) * 100)}% of answers passed every check` : 'no checks'}, ${v.thumbsUp} thumbs up, ${v.thumbsDown} down`,
  );
  for (const pair of verdict.pairs) verdictLines.push(pair.sentence);
  const spec = store.gradingSpec(runId);
  const rubric = [
    ...spec.assertions.map((a) => JSON.stringify({ type: a.type, ...(a.value !== undefined ? { value: a.value } : {}) })),
    ...(spec.judge?.prompt ? [`Judge prompt: ${cut(promptText(spec.judge.prompt), 2000)}`] : []),
  ].join('\n');
  return {
    evidence: rows.length > 0 ? rows.join('\n\n') : 'No row failed a check and no vote went against the prompt.',
    verdict: verdictLines.join('\n') || 'No verdict yet.',
    rubric: cut(rubric, 4000),
  };
}

export function authorHandlers(deps: Deps): AuthorHandlers {
  const { store, runner, registry, handlers } = deps;

  const detailOf = (runId: string): RunDetail => {
    const detail = store.getRun(runId);
    if (!detail) throw new AppError('not_found', `No run with id "${runId}".`);
    return detail;
  };

  /**
   * The prompt the run's first variant ran: its saved library version when it ran one (the
   * run's own messages are then the draft's, not what was sent), else the run's messages.
   */
  const baseOf = (detail: RunDetail): { messages: Message[]; promptId?: string; versionId?: string } => {
    const id = detail.columns[0]?.promptVersionId;
    const version = id !== undefined ? store.library.version(id) : undefined;
    if (version) return { messages: version.messages, promptId: version.promptId, versionId: version.id };
    return { messages: detail.messages, ...(detail.promptId !== undefined ? { promptId: detail.promptId } : {}), ...(detail.promptVersionId !== undefined ? { versionId: detail.promptVersionId } : {}) };
  };

  /** The author prompt's variables for a request, and what the logged run is called. */
  const inputsOf = async (request: ParsedAuthorRequest): Promise<{ vars: Variables; subject: string }> => {
    switch (request.action) {
      case 'generate-prompt':
        return { vars: { task: request.task, examples: request.examples }, subject: request.task };
      case 'generate-cases': {
        const existing = request.existing
          .slice(-EXISTING_SHOWN)
          .map((vars) => JSON.stringify(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, cut(valueText(v), VALUE_CHARS)]))))
          .join('\n');
        return {
          vars: {
            prompt: promptText(request.messages),
            variables: request.variables,
            existing,
            count: String(request.count),
            mix: request.mix,
            wantExpected: request.wantExpected,
          },
          subject: `${request.count} row(s) for ${request.variables.join(', ') || 'a prompt with no variables'}`,
        };
      }
      case 'improve': {
        const detail = detailOf(request.runId);
        const found = await evidenceOf(deps, detail);
        const { messages } = baseOf(detail);
        return {
          vars: {
            prompt: promptText(messages),
            promptJson: JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content }))),
            ...found,
          },
          subject: detail.run.title,
        };
      }
    }
  };

  const requestFor = (input: ParsedInput<'author.generate'>, vars: Variables, action: AuthorAction) => {
    const messages = input.prompt ?? authorPromptOf(loadAuthorSettings(store), action);
    return {
      messages,
      testCases: [{ id: 'author', vars }],
      columns: [{ id: 'author', providerId: input.author.providerId, model: input.author.model, params: {}, label: `author:${action}` }],
      repeats: 1,
    };
  };

  const remember = (action: AuthorAction, author: ParsedInput<'author.generate'>['author']): void => {
    const settings = loadAuthorSettings(store);
    store.setValue(AUTHOR_SETTINGS_KEY, JSON.stringify({ ...settings, models: { ...settings.models, [action]: author } }));
  };

  return {
    'author.settings': () => Promise.resolve(loadAuthorSettings(store)),
    'author.saveSettings': (settings) => {
      store.setValue(AUTHOR_SETTINGS_KEY, JSON.stringify(settings));
      return Promise.resolve(loadAuthorSettings(store));
    },
    'author.estimate': async (input) => {
      const { vars } = await inputsOf(input.request);
      const estimate = await handlers()['runs.estimate'](requestFor(input, vars, input.request.action));
      const firstError = estimate.errors[0];
      if (firstError) throw new AppError('template', `The author prompt does not render: ${firstError.message}`);
      const column = estimate.columns[0];
      return {
        inputTokens: estimate.inputTokens,
        assumedOutputTokens: column?.assumedOutputTokens ?? 0,
        ...(estimate.costUsd !== undefined ? { costUsd: estimate.costUsd } : {}),
      };
    },
    'author.generate': async (input) => {
      const action = input.request.action;
      const { vars, subject } = await inputsOf(input.request);
      const request = requestFor(input, vars, action);
      const providers = await registry.list();
      const plan = planAppRun(
        { ...request, useCache: false, assertions: [] },
        { providerNames: new Map(providers.map((p) => [p.id, p.name])), versionMessages: () => [] },
      );
      const title = `Writing help · ${AUTHOR_ACTION_NAMES[action]}: ${subject.replace(/\s+/g, ' ').trim()}`;
      plan.run.title = title.length > 120 ? `${title.slice(0, 119)}…` : title;
      remember(action, input.author);
      const { runId } = await runner.start(plan);
      await runner.whenDone(runId);
      const cell = store.cellsOfCases(runId, 0, 1)[0];
      if (!cell) throw new AppError('internal', 'The author call left no answer.');
      if (cell.error) throw new AppError(cell.error.code === 'cancelled' ? 'cancelled' : 'provider_error', `The author model failed: ${cell.error.message}`);
      const answer = cell.output;
      const costUsd = cell.costUsd !== undefined ? { costUsd: cell.costUsd } : {};
      try {
        let result: AuthorResult['result'];
        if (action === 'generate-prompt') result = { action, draft: readPromptDraft(answer) };
        else if (input.request.action === 'generate-cases') {
          const { kept, dropped } = dropNearDuplicates(readGeneratedRows(answer), input.request.existing.map((vars) => ({ vars })));
          result = { action: 'generate-cases', rows: kept, dropped };
        } else {
          const detail = detailOf(input.request.action === 'improve' ? input.request.runId : '');
          const revision = readRevision(answer);
          result = { action: 'improve', runId: detail.run.id, before: baseOf(detail).messages, after: revision.messages, reasons: revision.reasons };
        }
        return { runId, ...costUsd, result };
      } catch (error) {
        if (error instanceof AuthorAnswerError) throw new AppError('provider_error', error.message);
        throw error;
      }
    },
    'author.estimateRevision': async ({ runId, messages, repeats }) => {
      const detail = detailOf(runId);
      const base = detail.columns[0];
      if (!base) throw new AppError('bad_input', 'The run has no variant to compare with.');
      // The same calls tryRevision starts: the old prompt and the new, each on the run's rows, repeats times, the cache off.
      const { promptVersionId: _version, ...column } = base;
      const caseIndexes = store.caseIndexesOf(runId);
      const estimate = (sent: Message[]) => handlers()['runs.estimate']({ messages: sent, testCases: detail.testCases, caseIndexes, columns: [column], repeats });
      const [before, after] = await Promise.all([estimate(baseOf(detail).messages), estimate(messages)]);
      const priced = before.costUsd !== undefined || after.costUsd !== undefined;
      return {
        cells: before.cells + after.cells,
        inputTokens: before.inputTokens + after.inputTokens,
        ...(priced ? { costUsd: (before.costUsd ?? 0) + (after.costUsd ?? 0) } : {}),
        columns: [before.columns[0], after.columns[0]].flatMap((c, columnIndex) => (c ? [{ ...c, columnIndex }] : [])),
        errors: [...before.errors, ...after.errors],
      };
    },
    'author.tryRevision': async ({ runId, messages, repeats }) => {
      const detail = detailOf(runId);
      const base = detail.columns[0];
      if (!base) throw new AppError('bad_input', 'The run has no variant to compare with.');
      const sample = detail.testCases[0]?.vars ?? {};
      const all = handlers();
      // The old prompt is a library version (the one the first variant ran, else the run's, else
      // saved now), and so is the new one.
      const baseline = baseOf(detail);
      let promptId = baseline.promptId;
      let beforeId = baseline.versionId;
      if (promptId === undefined || beforeId === undefined) {
        const full = `Improved: ${detail.run.title || 'a prompt'}`;
        const name = full.length > 120 ? `${full.slice(0, 119)}…` : full;
        const content = { messages: detail.messages, variables: sample, columns: detail.columns };
        // Tried before (or a prompt of that name exists): a new version of it, not a second prompt of the same name.
        const existing = store.library.byName(name);
        const saved = existing
          ? await all['library.save']({ promptId: existing.id, name: existing.name, description: existing.description, tags: existing.tags, ...content })
          : await all['library.save']({ name, description: 'Saved by Writing help from a run, to compare with its revision.', tags: [], ...content });
        promptId = saved.prompt.id;
        beforeId = saved.version.id;
      }
      const { prompt } = await all['library.get']({ promptId });
      const after = await all['library.save']({
        promptId,
        name: prompt.name,
        description: prompt.description,
        tags: prompt.tags,
        messages,
        variables: sample,
        columns: detail.columns,
      });
      const spec = store.gradingSpec(runId);
      const caseIndexes = store.caseIndexesOf(runId);
      const started = await all['runs.start']({
        messages,
        testCases: detail.testCases,
        caseIndexes,
        columns: [
          { ...base, id: randomUUID(), promptVersionId: beforeId, label: 'before' },
          { ...base, id: randomUUID(), promptVersionId: after.version.id, label: 'after' },
        ],
        repeats,
        useCache: false,
        assertions: spec.assertions,
        ...(spec.judge ? { judge: spec.judge } : {}),
      });
      return { runId: started.runId, promptId, beforeVersionId: beforeId, afterVersionId: after.version.id };
    },
  };
}
