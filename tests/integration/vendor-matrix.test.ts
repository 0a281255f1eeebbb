/**
 * One run across every vendor at once, as a prompt engineer would set it up: Anthropic's
 * Messages API, Google's Gemini API, OpenAI's Responses API and an OpenAI-compatible Chat
 * Completions server, each a fake speaking its own wire format, on the same two rows. The prompt
 * offers a tool and each row holds an image: every vendor must receive both in its own form, and
 * every cell must come back with the model's thinking and its tool call.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices, type Services } from '../../src/main/services';
import type { MethodInput, MethodName, MethodOutput } from '../../src/shared/contract';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic';
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const TOOL = {
  name: 'get_tide',
  description: 'Tide times for a port',
  parameters: { type: 'object', properties: { port: { type: 'string' } }, required: ['port'] },
};

let services: Services;
let dataDir: string;
let anthropic: FakeAnthropic;
let gemini: FakeGemini;
let responses: FakeOpenAI;
let chat: FakeOpenAI;
let png: string;

async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const envelope = await dispatch(services.handlers, method, input);
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.data as MethodOutput<M>;
}

/** Every object in a JSON value, depth first (to find a vendor's image and tool parts wherever they sit). */
function objects(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.flatMap(objects);
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  return [record, ...Object.values(record).flatMap(objects)];
}

beforeAll(async () => {
  png = (await readFile(join(import.meta.dirname, '..', 'fixtures', 'images', 'sun.png'))).toString('base64');
  [anthropic, gemini, responses, chat] = await Promise.all([startFakeAnthropic(), startFakeGemini(), startFakeOpenAI(), startFakeOpenAI()]);
  dataDir = await mkdtemp(join(tmpdir(), 'parallax-vendor-matrix-'));
  services = createServices({ dataDir, door: 'web', version: 'test', secrets: new MemorySecretStore(), env: {} });
});

afterAll(async () => {
  services.close();
  await Promise.all([anthropic.close(), gemini.close(), responses.close(), chat.close()]);
  await rm(dataDir, { recursive: true, force: true });
});

describe('a matrix across Anthropic, Gemini, the Responses API and an OpenAI-compatible server', () => {
  it('sends each vendor the tool and the image in its own form, and keeps every thinking and tool call', async () => {
    const save = async (name: string, input: Omit<MethodInput<'providers.save'>, 'name'>): Promise<string> => (await call('providers.save', { name, ...input })).id;
    const ids = {
      anthropic: await save('Claude', { kind: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: 'sk-ant-matrix-0123456789' }),
      gemini: await save('Gemini', { kind: 'google', baseUrl: gemini.baseUrl, apiKey: 'AIza-matrix-0123456789' }),
      responses: await save('OpenAI Responses', { kind: 'openai', api: 'responses', baseUrl: responses.baseUrl, apiKey: 'sk-matrix-responses-0123' }),
      chat: await save('Local server', { baseUrl: chat.baseUrl }),
    };
    const args = (port: string): string => JSON.stringify({ port });
    for (const port of ['Brest', 'Kiel']) {
      anthropic.script({ kind: 'tool', thinking: `Tides for ${port}.`, name: 'get_tide', pieces: [args(port).slice(0, 5), args(port).slice(5)] });
      gemini.script({ kind: 'answer', thoughts: [`Tides for ${port}.`], calls: [{ name: 'get_tide', args: { port } }] });
      responses.script({ kind: 'responses', summaries: [`Tides for ${port}.`], calls: [{ name: 'get_tide', arguments: args(port) }] });
      chat.script({ kind: 'chat-script', reasoning: [`Tides for ${port}.`], calls: [{ name: 'get_tide', arguments: args(port) }] });
    }
    const image = { image: `data:image/png;base64,${png}`, alt: 'sun.png' };
    const { runId } = await call('runs.start', {
      messages: [
        { role: 'system', content: 'You help sailors.' },
        { role: 'user', content: 'Here is the harbour: {{photo}} What are the tides at {{port}}?' },
      ],
      testCases: [
        { id: 'r1', vars: { photo: image, port: 'Brest' } },
        { id: 'r2', vars: { photo: image, port: 'Kiel' } },
      ],
      columns: [
        { id: 'a', providerId: ids.anthropic, model: 'claude-fake-sonnet', params: { thinkingBudget: 1024 } },
        { id: 'g', providerId: ids.gemini, model: 'gemini-2.5-flash', params: { thinkingBudget: 512 } },
        { id: 'r', providerId: ids.responses, model: 'gpt-fake', params: { reasoningEffort: 'low', reasoningSummary: 'auto' } },
        { id: 'c', providerId: ids.chat, model: 'fake-large', params: {} },
      ],
      tools: [TOOL],
      toolChoice: 'auto',
      repeats: 1,
      useCache: false,
    });
    await services.runner.whenDone(runId);
    const detail = await call('runs.get', { runId });
    expect(detail.cells).toHaveLength(8);
    for (const summary of detail.cells) {
      const cell = await call('runs.cell', { cellId: summary.id });
      const port = cell.caseIndex === 0 ? 'Brest' : 'Kiel';
      expect({ column: cell.columnIndex, status: cell.status, error: cell.error }).toEqual({ column: cell.columnIndex, status: 'done', error: undefined });
      expect(cell.toolCalls?.map((c) => ({ name: c.name, arguments: JSON.parse(c.arguments) as unknown }))).toEqual([{ name: 'get_tide', arguments: { port } }]);
      expect(cell.reasoning).toContain(`Tides for ${port}.`);
      // The image went as a part; the stored messages name it by its place in the data folder, not its bytes.
      const user = cell.messages.find((m) => m.role === 'user');
      expect(user?.content).toBe(`Here is the harbour: [image: sun.png] What are the tides at ${port}?`);
      expect(user?.parts?.find((p) => p.type === 'image')).toBeDefined();
    }

    // Anthropic: an image block with base64 source, the tool with input_schema.
    const sentToClaude = anthropic.messageRequests();
    expect(sentToClaude).toHaveLength(2);
    for (const request of sentToClaude) {
      const found = objects(request.body);
      expect(found.some((o) => o['type'] === 'image' && (o['source'] as Record<string, unknown> | undefined)?.['data'] === png)).toBe(true);
      expect((request.body as { tools: { name: string; input_schema: unknown }[] }).tools).toEqual([{ name: 'get_tide', description: TOOL.description, input_schema: TOOL.parameters }]);
    }
    // Gemini: inlineData, and the tool as a function declaration.
    const sentToGemini = gemini.requestsFor('gemini-2.5-flash');
    expect(sentToGemini).toHaveLength(2);
    for (const request of sentToGemini) {
      const found = objects(request.body);
      expect(found.some((o) => (o['inlineData'] as Record<string, unknown> | undefined)?.['data'] === png)).toBe(true);
      expect(found.some((o) => Array.isArray(o['functionDeclarations']) && JSON.stringify(o['functionDeclarations']).includes('"get_tide"'))).toBe(true);
    }
    // Responses API: input_image with a data URI, a function tool.
    const sentToResponses = responses.responsesRequests();
    expect(sentToResponses).toHaveLength(2);
    for (const request of sentToResponses) {
      const found = objects(request.body);
      expect(found.some((o) => o['type'] === 'input_image' && o['image_url'] === `data:image/png;base64,${png}`)).toBe(true);
      expect(found.some((o) => o['type'] === 'function' && o['name'] === 'get_tide')).toBe(true);
    }
    // Chat Completions: an image_url part, a function tool.
    const sentToChat = chat.requests.filter((r) => r.path.endsWith('/chat/completions'));
    expect(sentToChat).toHaveLength(2);
    for (const request of sentToChat) {
      const found = objects(request.body);
      expect(found.some((o) => o['type'] === 'image_url' && (o['image_url'] as Record<string, unknown> | undefined)?.['url'] === `data:image/png;base64,${png}`)).toBe(true);
      expect(found.some((o) => o['type'] === 'function' && (o['function'] as Record<string, unknown> | undefined)?.['name'] === 'get_tide')).toBe(true);
    }
  });

  it('pages carry long thinking and arguments cut to their start; the cell itself has them whole', async () => {
    const local = (await call('providers.list', {})).find((p) => p.name === 'Local server');
    expect(local).toBeDefined();
    const thinking = 'Let me think about the tides. '.repeat(2_000);
    const args = JSON.stringify({ port: 'Brest', notes: 'n'.repeat(40_000) });
    chat.script({ kind: 'chat-script', reasoning: [thinking], calls: [{ name: 'get_tide', arguments: args, pieceChars: 4096 }] });
    const { runId } = await call('runs.start', {
      messages: [{ role: 'user', content: 'Tides?' }],
      testCases: [{ id: 'r1', vars: {} }],
      columns: [{ id: 'c', providerId: local?.id ?? '', model: 'fake-large', params: {} }],
      tools: [TOOL],
      repeats: 1,
      useCache: false,
    });
    await services.runner.whenDone(runId);
    const [paged] = (await call('runs.rowCells', { runId, cases: [0] })).cells;
    expect(paged?.extrasCut).toBe(true);
    expect(paged?.reasoning).toBe(thinking.slice(0, 16_384));
    expect(paged?.toolCalls?.[0]?.arguments).toBe(args.slice(0, 16_384));
    const whole = await call('runs.cell', { cellId: paged?.id ?? '' });
    expect(whole.extrasCut).toBeUndefined();
    expect(whole.reasoning).toBe(thinking);
    expect(whole.toolCalls?.[0]).toMatchObject({ name: 'get_tide', arguments: args });
  });
});
