/**
 * Result files for `parallax eval -o`: `.json` in promptfoo's output shape (so tools that read
 * promptfoo results read ours), `.jsonl` and `.csv` with one flat row per cell. Cells are read
 * back from the store a page at a time and streamed to every file at once, so memory stays
 * flat however large the run. Files are written beside their target and renamed into place
 * when complete, so a failed write never leaves half a file under the real name.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { extname } from 'node:path';
import { finished } from 'node:stream/promises';
import { toCsv } from '../../shared/csv';
import type { ConfigPrompt, ConfigProvider, ConfigTest, EvalConfig } from '../../shared/promptfoo/config';
import { columnLayout, type ColumnPlace } from '../../shared/promptfoo/prompts';
import type { Cell, Grading } from '../../shared/schemas';
import type { Store } from '../store/store';

export type OutputFormat = 'json' | 'jsonl' | 'csv';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['json', 'jsonl', 'csv'];

export function outputFormatOf(path: string): OutputFormat | undefined {
  const ext = extname(path).toLowerCase().replace(/^\./, '');
  return (OUTPUT_FORMATS as readonly string[]).includes(ext) ? (ext as OutputFormat) : undefined;
}

export interface OutputTarget {
  /** Absolute path. */
  path: string;
  format: OutputFormat;
}

export interface OutputRun {
  runId: string;
  createdAt: string;
  config: EvalConfig;
  version: string;
  durationMs: number;
  /** Removes any secret from text about to be written (belt and braces: none should be there). */
  redact: (text: string) => string;
}

/** Cells read from the store per page. */
export const PAGE_SIZE = 200;

/** Where a cell sits in the matrix. Columns are providers (outer) × prompts (inner), as in promptfoo. */
export interface CellPlace {
  testIdx: number;
  /** 0-based repeat of the same test × column. */
  repeatIdx: number;
  promptIdx: number;
  providerIdx: number;
  /** promptfoo's promptIdx: the index of the prompt × provider column. */
  columnIdx: number;
}

/** `layout` is the run's columns (shared/promptfoo/prompts.ts columnLayout: each provider × the prompts it runs). */
export function placeOf(cell: Pick<Cell, 'caseIndex' | 'repeat' | 'columnIndex'>, layout: readonly ColumnPlace[]): CellPlace {
  const { columnIndex } = cell;
  const column = layout[columnIndex];
  return {
    testIdx: cell.caseIndex,
    repeatIdx: cell.repeat,
    promptIdx: column?.promptIdx ?? 0,
    providerIdx: column?.providerIdx ?? 0,
    columnIdx: columnIndex,
  };
}

/**
 * What promptfoo puts in prompt.raw: the rendered text, or for a chat prompt the rendered
 * messages as JSON (not with a test's prefix or suffix around it: that is one text).
 */
export function renderedPromptText(prompt: ConfigPrompt, cell: Cell, test?: ConfigTest): string {
  if (prompt.chat && test?.prefix === undefined && test?.suffix === undefined) return JSON.stringify(cell.messages);
  return cell.messages[0]?.content ?? '';
}

/**
 * The check results as promptfoo lists them: an assert-set's own result (no assertion, its set
 * described in metadata.assertionSet) followed by its checks' results.
 */
function componentResults(components: Grading['componentResults']): Record<string, unknown>[] {
  const one = (c: Omit<Grading['componentResults'][number], 'members'>) => ({ pass: c.pass, score: c.score, reason: c.reason, assertion: { type: c.type, ...(c.metric !== undefined ? { metric: c.metric } : {}) } });
  return components.flatMap((c) =>
    c.members === undefined
      ? [one(c)]
      : [{ pass: c.pass, score: c.score, reason: c.reason, metadata: { assertionSet: { type: c.type, assertionCount: c.members.length, ...(c.metric !== undefined ? { metric: c.metric } : {}) } } }, ...c.members.map(one)],
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function providerKey(provider: ConfigProvider): string {
  return provider.label ?? provider.id;
}

interface TokenUsage {
  total: number;
  prompt: number;
  completion: number;
  cached: number;
  numRequests: number;
}

function emptyUsage(): TokenUsage {
  return { total: 0, prompt: 0, completion: 0, cached: 0, numRequests: 0 };
}

function usageOf(cell: Cell): TokenUsage {
  const prompt = cell.usage.inputTokens ?? 0;
  const completion = cell.usage.outputTokens ?? 0;
  const ran = cell.status !== 'cancelled' || cell.totalMs !== undefined;
  // As promptfoo counts a cached answer: its tokens are "cached", and no request was made.
  if (cell.cached) return { total: prompt + completion, prompt, completion, cached: prompt + completion, numRequests: 0 };
  return { total: prompt + completion, prompt, completion, cached: 0, numRequests: ran ? cell.attempts ?? 1 : 0 };
}

function addUsage(into: TokenUsage, add: TokenUsage): void {
  into.total += add.total;
  into.prompt += add.prompt;
  into.completion += add.completion;
  into.cached += add.cached;
  into.numRequests += add.numRequests;
}

interface PromptMetrics {
  score: number;
  testPassCount: number;
  testFailCount: number;
  testErrorCount: number;
  assertPassCount: number;
  assertFailCount: number;
  totalLatencyMs: number;
  tokenUsage: TokenUsage;
  namedScores: Record<string, number>;
  namedScoresCount: Record<string, number>;
  cost: number;
}

function emptyMetrics(): PromptMetrics {
  return {
    score: 0,
    testPassCount: 0,
    testFailCount: 0,
    testErrorCount: 0,
    assertPassCount: 0,
    assertFailCount: 0,
    totalLatencyMs: 0,
    tokenUsage: emptyUsage(),
    namedScores: {},
    namedScoresCount: {},
    cost: 0,
  };
}

/** The config as promptfoo would echo it back: only what Parallax read, and never a secret. */
export function configForOutput(config: EvalConfig): Record<string, unknown> {
  return {
    ...(config.description !== undefined ? { description: config.description } : {}),
    prompts: config.prompts.map((p) => (p.label === p.raw ? p.raw : { raw: p.raw, label: p.label })),
    providers: config.providers.map((p) => {
      const options: Record<string, unknown> = {
        ...(p.apiBaseUrl !== undefined ? { apiBaseUrl: p.apiBaseUrl } : {}),
        ...(p.apiKeyEnvar !== undefined ? { apiKeyEnvar: p.apiKeyEnvar } : {}),
        ...(p.params.temperature !== undefined ? { temperature: p.params.temperature } : {}),
        ...(p.params.maxTokens !== undefined ? { max_tokens: p.params.maxTokens } : {}),
      };
      return {
        id: p.id,
        ...(p.label !== undefined ? { label: p.label } : {}),
        ...(Object.keys(options).length > 0 ? { config: options } : {}),
      };
    }),
    tests: config.tests.map((t) => ({ ...(t.description !== undefined ? { description: t.description } : {}), vars: t.vars })),
  };
}

/** Variable names over all tests, in order of first appearance: the `vars.<name>` columns. */
export function varColumns(config: EvalConfig): string[] {
  const names = new Set<string>();
  for (const test of config.tests) for (const name of Object.keys(test.vars)) names.add(name);
  return [...names];
}

export type FlatValue = string | number | boolean | null;

/** One cell as a flat row: the same keys, in the same order, for .jsonl and .csv. */
export function flatRow(run: OutputRun, cell: Cell, place: CellPlace, vars: readonly string[]): Record<string, FlatValue> {
  const prompt = run.config.prompts[place.promptIdx];
  const provider = run.config.providers[place.providerIdx];
  const test = run.config.tests[place.testIdx];
  const row: Record<string, FlatValue> = {
    runId: run.runId,
    cellId: cell.id,
    testIndex: place.testIdx,
    repeatIndex: place.repeatIdx,
    promptIndex: place.promptIdx,
    providerIndex: place.providerIdx,
    testDescription: test?.description ?? null,
    promptLabel: prompt?.label ?? null,
    providerId: provider?.id ?? cell.providerId,
    providerLabel: provider ? providerKey(provider) : cell.providerName,
    model: cell.model,
  };
  for (const name of vars) {
    const value = cell.variables[name];
    row[`vars.${name}`] = value === undefined ? null : typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
  }
  const usage = usageOf(cell);
  Object.assign(row, {
    prompt: prompt ? renderedPromptText(prompt, cell, test) : JSON.stringify(cell.messages),
    output: cell.grading?.output ?? cell.output,
    // The calls as JSON (arguments as the model wrote them) and the thinking, for .jsonl and .csv alike.
    tool_calls: cell.toolCalls ? JSON.stringify(cell.toolCalls) : null,
    reasoning: cell.reasoning ?? null,
    status: cell.status,
    success: cell.status === 'done' && (cell.grading?.pass ?? true),
    checksPass: cell.grading ? cell.grading.pass : null,
    checksScore: cell.grading ? cell.grading.score : null,
    checksReason: cell.grading ? cell.grading.reason : null,
    error: cell.error?.message ?? null,
    errorCode: cell.error?.code ?? null,
    latencyMs: cell.totalMs !== undefined ? Math.round(cell.totalMs) : null,
    ttftMs: cell.ttftMs !== undefined ? Math.round(cell.ttftMs) : null,
    inputTokens: cell.usage.inputTokens ?? null,
    outputTokens: cell.usage.outputTokens ?? null,
    totalTokens: cell.usage.inputTokens !== undefined || cell.usage.outputTokens !== undefined ? usage.total : null,
    costUsd: cell.costUsd ?? null,
    // The server sent no usage: the tokens were counted with the tokenizer and the cost is an estimate.
    costEstimated: cell.costUsd !== undefined ? cell.costEstimated === true : null,
    finishReason: cell.finishReason ?? null,
  } satisfies Record<string, FlatValue>);
  return row;
}

/** One cell as an entry of promptfoo's `results.results[]`. */
export function promptfooResult(run: OutputRun, cell: Cell, place: CellPlace): Record<string, unknown> {
  const prompt = run.config.prompts[place.promptIdx];
  const provider = run.config.providers[place.providerIdx];
  const test = run.config.tests[place.testIdx];
  const success = cell.status === 'done';
  const usage = usageOf(cell);
  const label = prompt?.label ?? '';
  const error = cell.error?.message ?? null;
  return {
    id: cell.id,
    ...(test?.description !== undefined ? { description: test.description } : {}),
    promptIdx: place.columnIdx,
    testIdx: place.testIdx,
    ...(place.repeatIdx > 0 ? { repeatIndex: place.repeatIdx } : {}),
    testCase: { ...(test?.description !== undefined ? { description: test.description } : {}), vars: cell.variables },
    promptId: sha256(label),
    provider: { id: provider?.id ?? cell.providerId, ...(provider?.label !== undefined ? { label: provider.label } : {}) },
    prompt: { raw: prompt ? renderedPromptText(prompt, cell, test) : JSON.stringify(cell.messages), label },
    vars: cell.variables,
    response: {
      // promptfoo reports the answer after the test's transform.
      output: cell.grading?.output ?? cell.output,
      tokenUsage: { total: usage.total, prompt: usage.prompt, completion: usage.completion, numRequests: usage.numRequests },
      ...(cell.finishReason !== undefined ? { finishReason: cell.finishReason } : {}),
      ...(cell.costUsd !== undefined ? { cost: cell.costUsd } : {}),
      ...(cell.costEstimated === true ? { costEstimated: true } : {}),
      ...(cell.cached ? { cached: true } : {}),
      ...(error !== null ? { error } : {}),
    },
    error,
    // promptfoo: 0 = passed, 1 = a check failed, 2 = the request failed.
    failureReason: !success ? 2 : cell.grading && !cell.grading.pass ? 1 : 0,
    success: success && (cell.grading?.pass ?? true),
    score: success ? (cell.grading?.score ?? 1) : 0,
    latencyMs: Math.round(cell.totalMs ?? 0),
    gradingResult: cell.grading
      ? {
          pass: cell.grading.pass,
          score: cell.grading.score,
          reason: cell.grading.reason,
          namedScores: cell.grading.namedScores ?? {},
          componentResults: componentResults(cell.grading.componentResults),
        }
      : null,
    namedScores: cell.grading?.namedScores ?? {},
    ...(cell.costUsd !== undefined ? { cost: cell.costUsd } : {}),
    tokenUsage: usage,
    metadata: {
      parallax: {
        runId: run.runId,
        cellId: cell.id,
        status: cell.status,
        model: cell.model,
        ...(cell.ttftMs !== undefined ? { ttftMs: Math.round(cell.ttftMs) } : {}),
        ...(cell.error ? { errorCode: cell.error.code } : {}),
      },
    },
  };
}

/** A file being written, with backpressure, under a temporary name until `commit`. */
class Sink {
  private readonly stream: WriteStream;
  private readonly temp: string;
  private failure: Error | undefined;

  constructor(
    readonly target: OutputTarget,
    private readonly redact: (text: string) => string,
  ) {
    this.temp = `${target.path}.${process.pid}.partial`;
    this.stream = createWriteStream(this.temp, { encoding: 'utf8' });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream.write(this.redact(text))) await once(this.stream, 'drain');
  }

  async commit(): Promise<void> {
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
    renameSync(this.temp, this.target.path);
  }

  discard(): void {
    this.stream.destroy();
    rmSync(this.temp, { force: true });
  }
}

function indent(value: unknown, spaces: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${' '.repeat(spaces)}`);
}

export async function writeOutputs(store: Store, run: OutputRun, targets: readonly OutputTarget[]): Promise<void> {
  if (targets.length === 0) return;
  const { config } = run;
  const layout = columnLayout(config);
  const columnCount = layout.length;
  const vars = varColumns(config);
  const sinks = targets.map((target) => new Sink(target, run.redact));
  const json = sinks.filter((s) => s.target.format === 'json');
  const jsonl = sinks.filter((s) => s.target.format === 'jsonl');
  const csv = sinks.filter((s) => s.target.format === 'csv');
  const each = async (list: readonly Sink[], text: string): Promise<void> => {
    for (const sink of list) await sink.write(text);
  };

  const metrics = Array.from({ length: columnCount }, emptyMetrics);
  const stats = { successes: 0, failures: 0, errors: 0, tokenUsage: emptyUsage(), durationMs: Math.round(run.durationMs) };

  try {
    await each(json, `{\n  "evalId": ${JSON.stringify(run.runId)},\n  "results": {\n    "version": 3,\n    "timestamp": ${JSON.stringify(run.createdAt)},\n    "results": [`);
    if (csv.length > 0) {
      const header = Object.keys(flatRow(run, emptyCell(run.runId), placeOf({ caseIndex: 0, repeat: 0, columnIndex: 0 }, [{ providerIdx: 0, promptIdx: 0 }]), vars));
      await each(csv, toCsv([header], { newline: '\n' }));
    }

    let position = 0;
    for (;;) {
      const page = store.cellsOf(run.runId, PAGE_SIZE, position);
      if (page.length === 0) break;
      for (const cell of page) {
        const place = placeOf(cell, layout);
        if (json.length > 0) {
          await each(json, `${position === 0 ? '' : ','}\n      ${indent(promptfooResult(run, cell, place), 6)}`);
        }
        if (jsonl.length > 0 || csv.length > 0) {
          const row = flatRow(run, cell, place, vars);
          await each(jsonl, `${JSON.stringify(row)}\n`);
          if (csv.length > 0) await each(csv, toCsv([Object.values(row)], { newline: '\n' }));
        }
        const usage = usageOf(cell);
        const m = metrics[place.columnIdx];
        if (m) {
          if (cell.status !== 'done') m.testErrorCount += 1;
          else if (cell.grading && !cell.grading.pass) {
            m.score += cell.grading.score;
            m.testFailCount += 1;
          } else {
            m.score += cell.grading?.score ?? 1;
            m.testPassCount += 1;
          }
          m.totalLatencyMs += Math.round(cell.totalMs ?? 0);
          addUsage(m.tokenUsage, usage);
          m.cost += cell.costUsd ?? 0;
        }
        if (cell.status !== 'done') stats.errors++;
        else if (cell.grading && !cell.grading.pass) stats.failures++;
        else stats.successes++;
        addUsage(stats.tokenUsage, usage);
        position++;
      }
      if (page.length < PAGE_SIZE) break;
    }

    if (json.length > 0) {
      // One entry per column, as promptfoo lists them: each provider × the prompts it runs.
      const prompts = layout.flatMap(({ providerIdx, promptIdx }, columnIdx) => {
        const prompt = config.prompts[promptIdx];
        const provider = config.providers[providerIdx];
        return prompt && provider
          ? [{ raw: prompt.raw, label: prompt.label, id: sha256(prompt.label), provider: providerKey(provider), metrics: metrics[columnIdx] ?? emptyMetrics() }]
          : [];
      });
      const metadata = {
        parallaxVersion: run.version,
        nodeVersion: process.version,
        platform: process.platform,
        arch: process.arch,
        exportedAt: new Date().toISOString(),
        evaluationCreatedAt: run.createdAt,
      };
      await each(
        json,
        `${position === 0 ? '' : '\n    '}],\n    "prompts": ${indent(prompts, 4)},\n    "stats": ${indent(stats, 4)}\n  },\n` +
          `  "config": ${indent(configForOutput(config), 2)},\n  "shareableUrl": null,\n  "metadata": ${indent(metadata, 2)}\n}\n`,
      );
    }
    for (const sink of sinks) await sink.commit();
  } catch (error) {
    for (const sink of sinks) sink.discard();
    throw error;
  }
}

/** A blank cell, only to learn the flat row's keys for the CSV header. */
function emptyCell(runId: string): Cell {
  return {
    id: '',
    runId,
    columnIndex: 0,
    caseIndex: 0,
    repeat: 0,
    providerId: '',
    providerName: '',
    model: '',
    params: {},
    variables: {},
    messages: [],
    status: 'pending',
    output: '',
    usage: {},
  };
}
