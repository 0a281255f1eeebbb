/**
 * Templates before a run: the preview of one row, the token and cost estimate of the whole
 * matrix, and the price table the estimate (and the runner) price with.
 */
import type { Handlers, ParsedInput, RunEstimate } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { BATCH_PRICE_FACTOR } from '../../shared/batch';
import { estimateCost, priceFor, type Price, type PriceTable } from '../../shared/prices';
import type { Message } from '../../shared/schemas';
import type { ToolDefinition } from '../../shared/tools';
import { loadPriceOverrides, priceTable, savePriceOverrides, type ValueStore } from '../prices';
import { TokenCounter } from '../providers/tokens';
import { renderMessagesRows, renderMessagesSafe } from '../template/render';

type TemplateHandlers = Pick<Handlers, 'templates.preview' | 'runs.estimate' | 'prices.get' | 'prices.save'>;

export interface TemplateHandlerDeps {
  /** The key-value table (prices) and the library (columns that run a saved version). */
  store: ValueStore & { library: { version(versionId: string): { messages: Message[] } | undefined } };
  /** Whether a provider can send a batch (its kind); every one can when absent. */
  batchable?: (providerId: string) => boolean;
}

/** The output tokens a cell is assumed to produce when its column sets no max_tokens. */
export const DEFAULT_OUTPUT_TOKENS = 256;

type EstimateInput = ParsedInput<'runs.estimate'>;

/**
 * Renders every row once per distinct template (columns usually share the draft) and counts
 * each distinct rendered text once, so 10,000 rows estimate in well under two seconds.
 * Token counts use the o200k encoding plus the chat format's framing (4 tokens a message,
 * 2 a request): exact for GPT-4o and later, an estimate for other models.
 */
/**
 * `batchable`: whether a column's provider can send a batch; a column marked batch whose provider
 * cannot is priced at the list price (no batch discount applies to it).
 */
export function estimateRun(
  input: EstimateInput,
  table: PriceTable,
  versionMessages: (versionId: string) => Message[] | undefined,
  batchable: (providerId: string) => boolean = () => true,
): RunEstimate {
  const caseIndexes = input.caseIndexes ?? input.testCases.map((_, i) => i);
  const repeats = input.repeats;
  const counter = new TokenCounter();
  const errors = new Map<number, string>();
  // Per distinct template: the input tokens of all rows together.
  const tokensOf = new Map<readonly Message[], number>();
  const rowsRendered = new Map<readonly Message[], number>();
  const templateOf = (columnIndex: number): readonly Message[] => {
    const column = input.columns[columnIndex];
    if (!column?.promptVersionId) return input.messages;
    const messages = versionMessages(column.promptVersionId);
    if (!messages) throw new AppError('not_found', `Column ${columnIndex + 1} runs a library version that no longer exists.`);
    return messages;
  };
  const measure = (template: readonly Message[]): void => {
    if (tokensOf.has(template)) return;
    let tokens = 0;
    let rendered = 0;
    const present: number[] = [];
    for (const caseIndex of caseIndexes) {
      if (input.testCases[caseIndex]) present.push(caseIndex);
      else errors.set(caseIndex, `There is no row ${caseIndex + 1}: the table has ${input.testCases.length}.`);
    }
    const outcomes = renderMessagesRows(template, present.map((i) => input.testCases[i]?.vars ?? {}));
    outcomes.forEach((outcome, k) => {
      const caseIndex = present[k] ?? 0;
      if ('messages' in outcome) {
        tokens += counter.messages(outcome.messages);
        rendered++;
      } else if (!errors.has(caseIndex)) errors.set(caseIndex, outcome.error.message);
    });
    tokensOf.set(template, tokens);
    rowsRendered.set(template, rendered);
  };

  const toolTokenCache = new Map<readonly ToolDefinition[], number>();
  const toolTokensOf = (tools: readonly ToolDefinition[]): number => {
    let n = toolTokenCache.get(tools);
    if (n === undefined) {
      n = counter.count(JSON.stringify(tools));
      toolTokenCache.set(tools, n);
    }
    return n;
  };
  let inputTokens = 0;
  let costUsd: number | undefined;
  const columns = input.columns.map((column, columnIndex) => {
    const template = templateOf(columnIndex);
    measure(template);
    const messageTokens = (tokensOf.get(template) ?? 0) * repeats;
    const requests = (rowsRendered.get(template) ?? 0) * repeats;
    // The tools offered go with every request (each API writes them out; their JSON is the count's stand-in).
    const offered = column.params.tools ?? input.tools;
    const toolTokens = offered && offered.length > 0 ? toolTokensOf(offered) * requests : 0;
    const columnInput = messageTokens + toolTokens;
    const assumedOutputTokens = column.params.maxTokens ?? DEFAULT_OUTPUT_TOKENS;
    const priced = priceFor(column.model, table) !== undefined;
    const listed = priced ? estimateCost(column.model, columnInput, assumedOutputTokens * requests, table) : undefined;
    // A batch is priced at the batch price (runner/batch.ts writes its cells' costs the same way).
    const batch = column.batch === true && batchable(column.providerId);
    const cost = listed !== undefined && batch ? listed * BATCH_PRICE_FACTOR : listed;
    inputTokens += columnInput;
    if (cost !== undefined) costUsd = (costUsd ?? 0) + cost;
    return { columnIndex, inputTokens: columnInput, assumedOutputTokens, priced, ...(cost !== undefined ? { costUsd: cost } : {}), ...(batch ? { batch: true } : {}) };
  });
  return {
    cells: caseIndexes.length * input.columns.length * repeats,
    inputTokens,
    ...(costUsd !== undefined ? { costUsd } : {}),
    columns,
    errors: [...errors].sort(([a], [b]) => a - b).map(([caseIndex, message]) => ({ caseIndex, message })),
  };
}

export function templateHandlers({ store, batchable }: TemplateHandlerDeps): TemplateHandlers {
  const pricesNow = (): { prices: Record<string, Price>; overrides: Record<string, Price> } => ({
    prices: priceTable(store),
    overrides: loadPriceOverrides(store),
  });
  return {
    'templates.preview': ({ messages, vars }) => Promise.resolve(renderMessagesSafe(messages, vars)),
    // async: an error becomes a rejected promise, as the front doors expect.
    'runs.estimate': async (input) => estimateRun(input, priceTable(store), (id) => store.library.version(id)?.messages, batchable ?? (() => true)),
    'prices.get': () => Promise.resolve(pricesNow()),
    'prices.save': ({ overrides }) => {
      savePriceOverrides(store, overrides);
      return Promise.resolve(pricesNow());
    },
  };
}
