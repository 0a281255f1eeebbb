import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import type { Message, Params } from '../../src/shared/schemas';
import { renderMessages } from '../../src/main/template/render';
import { ECHO_MODEL, EchoProvider, echoText, type EchoOptions } from '../../src/main/providers/echo';
import { messageTokens, tokenCount } from '../../src/main/providers/tokens';
import type { StreamPart } from '../../src/main/providers/types';

interface Collected {
  deltas: string[];
  output: string;
  done: Extract<StreamPart, { type: 'done' }> | undefined;
}

async function collect(provider: EchoProvider, messages: Message[], params: Params = {}, signal = new AbortController().signal): Promise<Collected> {
  const deltas: string[] = [];
  let done: Collected['done'];
  for await (const part of provider.stream({ model: ECHO_MODEL, messages, params, signal })) {
    if (part.type === 'delta') deltas.push(part.text);
    else if (part.type === 'done') done = part;
  }
  return { deltas, output: deltas.join(''), done };
}

const prose = 'You are a patient teacher who writes for people new to programming. Answer in plain words, and keep it short.';

describe('EchoProvider', () => {
  it('answers a single message with exactly its text', async () => {
    const messages: Message[] = [{ role: 'user', content: 'Explain tides.' }];
    const result = await collect(new EchoProvider(), messages);
    expect(result.output).toBe('Explain tides.');
    expect(result.done).toEqual({
      type: 'done',
      usage: { inputTokens: messageTokens(messages), outputTokens: tokenCount('Explain tides.') },
      finishReason: 'stop',
    });
  });

  it('answers several messages with the rendered prompt, role by role', async () => {
    const messages = renderMessages(
      [
        { role: 'system', content: 'You write for {{audience}}.' },
        { role: 'user', content: 'Explain {{topic}}.' },
      ],
      { audience: 'sailors', topic: 'tides' },
    );
    const result = await collect(new EchoProvider(), messages);
    expect(result.output).toBe('[system]\nYou write for sailors.\n\n[user]\nExplain tides.');
    expect(result.output).toBe(echoText(messages));
    expect(result.done?.finishReason).toBe('stop');
  });

  it('streams in chunks of the configured size', async () => {
    const options: EchoOptions = { chunkDelayMs: 0, chunkSize: 10 };
    const text = 'x'.repeat(95);
    const result = await collect(new EchoProvider(options), [{ role: 'user', content: text }]);
    expect(result.deltas).toHaveLength(10);
    expect(result.deltas.slice(0, 9).every((d) => d.length === 10)).toBe(true);
    expect(result.output).toBe(text);
  });

  it('honours max tokens: cuts the answer short and says why', async () => {
    const result = await collect(new EchoProvider(), [{ role: 'user', content: prose }], { maxTokens: 5 });
    expect(result.done?.finishReason).toBe('length');
    expect(result.output.length).toBeGreaterThan(0);
    expect(prose.startsWith(result.output)).toBe(true);
    expect(result.output.length).toBeLessThan(prose.length);
    expect(tokenCount(result.output)).toBeLessThanOrEqual(5);
    expect(result.done?.usage.outputTokens).toBe(tokenCount(result.output));
  });

  it.each([
    ['digits', '1234567890'.repeat(10)],
    ['emoji', '🙂'.repeat(40)],
    ['accents', 'ünïcödé '.repeat(20)],
  ])('never goes over max tokens, even for %s', async (_kind, text) => {
    const result = await collect(new EchoProvider(), [{ role: 'user', content: text }], { maxTokens: 5 });
    expect(result.done?.finishReason).toBe('length');
    expect(text.startsWith(result.output)).toBe(true);
    expect(result.done?.usage.outputTokens).toBeLessThanOrEqual(5);
  });

  it('answers in full when max tokens is more than enough', async () => {
    const result = await collect(new EchoProvider(), [{ role: 'user', content: prose }], { maxTokens: 1000 });
    expect(result.output).toBe(prose);
    expect(result.done?.finishReason).toBe('stop');
  });

  it('stops with a cancelled error when aborted mid-stream', async () => {
    const provider = new EchoProvider({ chunkDelayMs: 5, chunkSize: 4 });
    const controller = new AbortController();
    const seen: string[] = [];
    const run = async (): Promise<void> => {
      for await (const part of provider.stream({ model: ECHO_MODEL, messages: [{ role: 'user', content: prose }], params: {}, signal: controller.signal })) {
        if (part.type === 'delta') {
          seen.push(part.text);
          if (seen.length === 2) controller.abort();
        }
      }
    };
    const error: unknown = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('cancelled');
    expect(seen).toHaveLength(2);
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    for (const options of [
      { chunkDelayMs: 0, chunkSize: 8 },
      { chunkDelayMs: 5, chunkSize: 8 },
    ]) {
      await expect(collect(new EchoProvider(options), [{ role: 'user', content: prose }], {}, controller.signal)).rejects.toMatchObject({
        code: 'cancelled',
      });
    }
  });

  it('lists its one model', async () => {
    expect(await new EchoProvider().listModels()).toEqual([ECHO_MODEL]);
  });
});
