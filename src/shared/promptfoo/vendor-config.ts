/**
 * promptfoo's provider config keys that each vendor writes its own way, to and from Parallax's
 * neutral parameters (src/shared/tools.ts, Params):
 *
 * - `tools`: OpenAI's `{type: 'function', function: {name, description, parameters}}` (Chat
 *   Completions), the Responses API's flat `{type: 'function', name, …}`, Anthropic's
 *   `{name, description, input_schema}`, Gemini's `[{functionDeclarations: […]}]`, or the
 *   neutral `{name, description, parameters}`. Any of them is read under any provider id.
 * - `tool_choice`: OpenAI's `auto|none|required|{type:'function', function:{name}}`, the
 *   Responses API's `{type:'function', name}`, Anthropic's `{type:'auto'|'any'|'none'|'tool', name}`;
 *   Gemini's `toolConfig.functionCallingConfig {mode, allowedFunctionNames}`.
 * - thinking: Anthropic's `thinking: {type: 'enabled', budget_tokens}`, Gemini's
 *   `generationConfig.thinkingConfig.thinkingBudget`; reasoning: the Responses API's
 *   `reasoning: {effort, summary}`.
 *
 * Writing gives each provider id its own vendor's form, which promptfoo passes on as is.
 */
import type { z } from 'zod';
import type { Params } from '../schemas';

type JsonValue = z.infer<ReturnType<typeof z.json>>;
import { REASONING_EFFORTS, REASONING_SUMMARIES } from '../schemas';
import { MAX_TOOLS, TOOL_NAME, toolChoiceSchema, toolDefinitionSchema, type ToolChoice, type ToolDefinition } from '../tools';

export type VendorKind = 'echo' | 'openai' | 'anthropic' | 'google';
export type VendorApi = 'chat' | 'responses';

type Read<T> = { ok: true; value: T } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** One tool in any vendor's form (not Gemini's wrapper, which holds several). */
function toolOf(item: unknown, where: string): Read<ToolDefinition> {
  if (!isRecord(item)) return { ok: false, error: `${where} must be a tool (a map with a name), not ${Array.isArray(item) ? 'a list' : typeof item}` };
  let source: Record<string, unknown> = item;
  if (item['type'] === 'function' && isRecord(item['function'])) source = item['function'];
  else if (item['type'] !== undefined && item['type'] !== 'function' && item['type'] !== 'custom' && item['input_schema'] === undefined) {
    return { ok: false, error: `${where} is a ${JSON.stringify(item['type'])} tool; Parallax reads function tools only` };
  }
  const parameters = source['parameters'] ?? source['input_schema'] ?? source['parametersJsonSchema'];
  const candidate = {
    name: source['name'],
    ...(source['description'] !== undefined ? { description: source['description'] } : {}),
    ...(parameters !== undefined ? { parameters } : {}),
  };
  const parsed = toolDefinitionSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `${where}${issue && issue.path.length > 0 ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'not a tool'}` };
  }
  return { ok: true, value: parsed.data };
}

/** The tools of a provider config, in any vendor's form, as neutral definitions. */
export function toolsFromConfig(value: unknown): Read<ToolDefinition[]> {
  if (typeof value === 'string') {
    return { ok: false, error: value.startsWith('file://') ? 'must be a list of tools written in the config: tools from a file:// are not read yet' : 'must be a list of tools' };
  }
  if (!Array.isArray(value)) return { ok: false, error: 'must be a list of tools' };
  const tools: ToolDefinition[] = [];
  for (const [index, item] of value.entries()) {
    const declarations = isRecord(item) ? (item['functionDeclarations'] ?? item['function_declarations']) : undefined;
    if (declarations !== undefined) {
      if (!Array.isArray(declarations)) return { ok: false, error: `[${index}].functionDeclarations must be a list` };
      for (const [inner, declaration] of declarations.entries()) {
        const tool = toolOf(declaration, `[${index}].functionDeclarations[${inner}]`);
        if (!tool.ok) return tool;
        tools.push(tool.value);
      }
      continue;
    }
    // Gemini's other tools (googleSearch, codeExecution) are not function tools.
    if (isRecord(item) && Object.keys(item).length === 1 && /^(googleSearch|googleSearchRetrieval|codeExecution|urlContext)$/.test(Object.keys(item)[0] ?? '')) {
      return { ok: false, error: `[${index}] is Gemini's ${Object.keys(item)[0] ?? ''} tool; Parallax reads function tools only` };
    }
    const tool = toolOf(item, `[${index}]`);
    if (!tool.ok) return tool;
    tools.push(tool.value);
  }
  if (tools.length > MAX_TOOLS) return { ok: false, error: `has ${tools.length} tools; at most ${MAX_TOOLS}` };
  const names = new Set<string>();
  for (const tool of tools) {
    if (names.has(tool.name)) return { ok: false, error: `names the tool ${JSON.stringify(tool.name)} twice` };
    names.add(tool.name);
  }
  return { ok: true, value: tools };
}

const CHOICE_HELP = 'must be auto, none, required, or the tool to call ({type: function, function: {name}} for OpenAI, {type: tool, name} for Anthropic)';

/** tool_choice in any vendor's form as the neutral choice. */
export function toolChoiceFromConfig(value: unknown): Read<ToolChoice> {
  if (value === 'auto' || value === 'none' || value === 'required') return { ok: true, value };
  if (value === 'any') return { ok: true, value: 'required' };
  if (!isRecord(value)) return { ok: false, error: CHOICE_HELP };
  const type = value['type'];
  let candidate: unknown;
  if (type === 'function') candidate = { name: isRecord(value['function']) ? value['function']['name'] : value['name'] };
  else if (type === 'tool') candidate = { name: value['name'] };
  else if (type === 'auto' || type === 'none') candidate = type;
  else if (type === 'any') candidate = 'required';
  else if (type === undefined && typeof value['name'] === 'string') candidate = { name: value['name'] };
  const parsed = toolChoiceSchema.safeParse(candidate);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: CHOICE_HELP };
}

/** Gemini's toolConfig: functionCallingConfig {mode AUTO|ANY|NONE, allowedFunctionNames}. */
export function toolChoiceFromGemini(value: unknown): Read<ToolChoice> {
  const help = 'must be { functionCallingConfig: { mode: AUTO, ANY or NONE, allowedFunctionNames: [one tool] } }';
  const config = isRecord(value) ? (value['functionCallingConfig'] ?? value['function_calling_config']) : undefined;
  if (!isRecord(config)) return { ok: false, error: help };
  const mode = typeof config['mode'] === 'string' ? config['mode'].toUpperCase() : undefined;
  const allowed = config['allowedFunctionNames'] ?? config['allowed_function_names'];
  if (mode === 'AUTO' || mode === undefined) return { ok: true, value: 'auto' };
  if (mode === 'NONE') return { ok: true, value: 'none' };
  if (mode === 'ANY' || mode === 'VALIDATED') {
    if (Array.isArray(allowed) && allowed.length === 1 && typeof allowed[0] === 'string' && TOOL_NAME.test(allowed[0])) return { ok: true, value: { name: allowed[0] } };
    return { ok: true, value: 'required' };
  }
  return { ok: false, error: help };
}

/** Anthropic's `thinking`: enabled with a budget, or disabled (no budget). */
export function thinkingFromAnthropic(value: unknown): Read<number | undefined> {
  if (isRecord(value) && value['type'] === 'disabled') return { ok: true, value: undefined };
  const budget = isRecord(value) ? value['budget_tokens'] : undefined;
  if (isRecord(value) && value['type'] === 'enabled' && typeof budget === 'number' && Number.isInteger(budget) && budget >= 1024 && budget <= 1_000_000) {
    return { ok: true, value: budget };
  }
  return { ok: false, error: 'must be {type: enabled, budget_tokens: <whole number, at least 1024>} or {type: disabled}' };
}

/** The Responses API's `reasoning: {effort, summary}`. */
export function reasoningFromResponses(value: unknown): Read<Pick<Params, 'reasoningEffort' | 'reasoningSummary'>> {
  if (!isRecord(value)) return { ok: false, error: 'must be a map such as {effort: medium, summary: auto}' };
  const out: Pick<Params, 'reasoningEffort' | 'reasoningSummary'> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'effort') {
      if (!(REASONING_EFFORTS as readonly unknown[]).includes(inner)) return { ok: false, error: `effort must be one of ${REASONING_EFFORTS.join(', ')}` };
      out.reasoningEffort = inner as NonNullable<Params['reasoningEffort']>;
    } else if (key === 'summary') {
      if (!(REASONING_SUMMARIES as readonly unknown[]).includes(inner)) return { ok: false, error: `summary must be one of ${REASONING_SUMMARIES.join(', ')}` };
      out.reasoningSummary = inner as NonNullable<Params['reasoningSummary']>;
    } else return { ok: false, error: `${JSON.stringify(key)} is not read; reasoning has effort and summary` };
  }
  return { ok: true, value: out };
}

/** Gemini's generationConfig keys, by the neutral parameter each sets. */
type GenerationKey = 'temperature' | 'topP' | 'topK' | 'maxTokens' | 'stop' | 'seed' | 'presencePenalty' | 'frequencyPenalty';
export const GEMINI_GENERATION_KEYS: Readonly<Record<string, GenerationKey>> = {
  temperature: 'temperature',
  topP: 'topP',
  topK: 'topK',
  maxOutputTokens: 'maxTokens',
  stopSequences: 'stop',
  seed: 'seed',
  presencePenalty: 'presencePenalty',
  frequencyPenalty: 'frequencyPenalty',
};

/** Gemini's responseMimeType and responseSchema as the neutral response format. */
export function responseFormatFromGemini(mime: unknown, schema: unknown): Read<Params['responseFormat']> {
  if (mime === undefined && schema === undefined) return { ok: true, value: undefined };
  if (mime !== undefined && mime !== 'application/json' && mime !== 'text/plain') return { ok: false, error: 'responseMimeType must be application/json or text/plain' };
  if (schema !== undefined) {
    if (!isRecord(schema)) return { ok: false, error: 'responseSchema must be a JSON Schema (a map)' };
    return { ok: true, value: { type: 'json_schema', name: 'response', schema: schema as Record<string, JsonValue> } };
  }
  return { ok: true, value: mime === 'application/json' ? { type: 'json_object' } : undefined };
}

/** Gemini's safetySettings list [{category, threshold}] as the neutral map. */
export function safetyFromGemini(value: unknown): Read<Record<string, string>> {
  if (!Array.isArray(value)) return { ok: false, error: 'must be a list of {category: HARM_CATEGORY_…, threshold: BLOCK_…}' };
  const out: Record<string, string> = {};
  for (const item of value) {
    if (!isRecord(item) || typeof item['category'] !== 'string' || typeof item['threshold'] !== 'string') return { ok: false, error: 'must be a list of {category: HARM_CATEGORY_…, threshold: BLOCK_…}' };
    out[item['category']] = item['threshold'];
  }
  return { ok: true, value: out };
}

function toolsToVendor(kind: VendorKind, api: VendorApi | undefined, tools: readonly ToolDefinition[]): unknown {
  const parameters = (tool: ToolDefinition): Record<string, unknown> => (tool.parameters ?? { type: 'object', properties: {} }) as Record<string, unknown>;
  const description = (tool: ToolDefinition) => (tool.description !== undefined ? { description: tool.description } : {});
  switch (kind) {
    case 'anthropic':
      return tools.map((tool) => ({ name: tool.name, ...description(tool), input_schema: parameters(tool) }));
    case 'google':
      return [{ functionDeclarations: tools.map((tool) => ({ name: tool.name, ...description(tool), ...(tool.parameters ? { parameters: tool.parameters } : {}) })) }];
    default:
      if (api === 'responses') return tools.map((tool) => ({ type: 'function', name: tool.name, ...description(tool), parameters: parameters(tool) }));
      return tools.map((tool) => ({ type: 'function', function: { name: tool.name, ...description(tool), parameters: parameters(tool) } }));
  }
}

function choiceToVendor(kind: VendorKind, api: VendorApi | undefined, choice: ToolChoice): [string, unknown] {
  switch (kind) {
    case 'anthropic':
      if (typeof choice === 'string') return ['tool_choice', { type: choice === 'required' ? 'any' : choice }];
      return ['tool_choice', { type: 'tool', name: choice.name }];
    case 'google': {
      const mode = typeof choice === 'string' ? { auto: 'AUTO', none: 'NONE', required: 'ANY' }[choice] : 'ANY';
      return ['toolConfig', { functionCallingConfig: { mode, ...(typeof choice === 'string' ? {} : { allowedFunctionNames: [choice.name] }) } }];
    }
    default:
      if (typeof choice === 'string') return ['tool_choice', choice];
      return ['tool_choice', api === 'responses' ? { type: 'function', name: choice.name } : { type: 'function', function: { name: choice.name } }];
  }
}

/**
 * The vendor-shaped config keys for the params a vendor writes its own way (tools, tool
 * choice, thinking, reasoning, Gemini's generation config), and the params left to write
 * under their plain API names.
 */
export function vendorConfig(kind: VendorKind, api: VendorApi | undefined, params: Params): { config: Record<string, unknown>; rest: Params } {
  const { tools, toolChoice, ...rest } = params;
  const config: Record<string, unknown> = {};
  if (tools !== undefined && tools.length > 0) config['tools'] = toolsToVendor(kind, api, tools);
  if (toolChoice !== undefined) {
    const [key, value] = choiceToVendor(kind, api, toolChoice);
    config[key] = value;
  }
  if (kind === 'anthropic' && rest.thinkingBudget !== undefined && rest.thinkingBudget >= 1024) {
    config['thinking'] = { type: 'enabled', budget_tokens: rest.thinkingBudget };
    delete rest.thinkingBudget;
  }
  if (kind === 'openai' && api === 'responses' && (rest.reasoningEffort !== undefined || rest.reasoningSummary !== undefined)) {
    config['reasoning'] = { ...(rest.reasoningEffort !== undefined ? { effort: rest.reasoningEffort } : {}), ...(rest.reasoningSummary !== undefined ? { summary: rest.reasoningSummary } : {}) };
    delete rest.reasoningEffort;
    delete rest.reasoningSummary;
  }
  if (kind === 'google') {
    const generation: Record<string, unknown> = {};
    for (const [name, key] of Object.entries(GEMINI_GENERATION_KEYS)) {
      if (rest[key] !== undefined) {
        generation[name] = rest[key];
        delete rest[key];
      }
    }
    if (rest.thinkingBudget !== undefined) {
      generation['thinkingConfig'] = { thinkingBudget: rest.thinkingBudget };
      delete rest.thinkingBudget;
    }
    if (rest.responseFormat !== undefined && rest.responseFormat.type !== 'text') {
      generation['responseMimeType'] = 'application/json';
      if (rest.responseFormat.type === 'json_schema') generation['responseSchema'] = rest.responseFormat.schema;
      delete rest.responseFormat;
    }
    if (Object.keys(generation).length > 0) config['generationConfig'] = generation;
    if (rest.safety !== undefined) {
      config['safetySettings'] = Object.entries(rest.safety).map(([category, threshold]) => ({ category, threshold }));
      delete rest.safety;
    }
  }
  return { config, rest };
}
