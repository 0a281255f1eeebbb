/**
 * Durations and timeouts as people write them: in eval flags, in a config, in Settings' fields.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, formatDuration, parseDuration, readTimeoutFields, resolveTimeouts, timeoutProblem, writeDuration } from '../../src/shared/timeouts';
import { exportExperimentYaml, parseExperimentYaml } from '../../src/shared/promptfoo/experiment';

describe('durations', () => {
  it('reads 30s, 1.5s, 500ms, 10m, 1h and a bare number of seconds; nothing else', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration(' 1.5s ')).toBe(1500);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('2 min')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('45')).toBe(45_000);
    for (const bad of ['soon', '-3s', '', '3 days', '1e3s', 's']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('shows a duration as a sentence says it, and as a field holds it', () => {
    expect(formatDuration(300)).toBe('0.3 s');
    expect(formatDuration(250)).toBe('0.25 s');
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(90_000)).toBe('90 s');
    expect(formatDuration(600_000)).toBe('10 minutes');
    expect(formatDuration(3_600_000)).toBe('1 hour');
    for (const ms of [250, 1500, 30_000, 600_000, 7_200_000]) expect(parseDuration(writeDuration(ms))).toBe(ms);
    expect(writeDuration(30_000)).toBe('30s');
    expect(writeDuration(600_000)).toBe('10m');
  });
});

describe('timeouts', () => {
  it('defaults to 10 s to connect, 30 s to the first byte, 60 s idle and 10 minutes in all; later layers win', () => {
    expect(resolveTimeouts()).toEqual({ connect: 10_000, firstByte: 30_000, idle: 60_000, total: 600_000 });
    expect(resolveTimeouts({ idle: 5000 }, undefined, { idle: 7000, total: 1000 })).toEqual({ ...DEFAULT_TIMEOUTS, idle: 7000, total: 1000 });
  });

  it('keeps each timeout within its bounds, saying which field and why', () => {
    expect(timeoutProblem('connect', 50)).toBe('Connect timeout: at least 0.1 s.');
    expect(timeoutProblem('connect', 3_600_000)).toBe('Connect timeout: at most 10 minutes.');
    expect(timeoutProblem('total', 3_600_000)).toBeUndefined();
  });

  it("reads Settings' fields: empty ones take the default, a bad one is named", () => {
    expect(readTimeoutFields({ connect: '', firstByte: '2m', idle: ' 90s ', total: '' })).toEqual({ firstByte: 120_000, idle: 90_000 });
    expect(readTimeoutFields({})).toEqual({});
    expect(readTimeoutFields({ idle: 'a while' })).toBe('Idle-stream timeout: "a while" is not a duration; write one such as 500ms, 30s, 10m or 1h.');
    expect(readTimeoutFields({ firstByte: '10ms' })).toBe('First-byte timeout: at least 0.1 s.');
  });
});

describe('timeouts in a promptfooconfig', () => {
  it("go out as a provider's config.timeouts and come back the same", () => {
    const text = exportExperimentYaml({
      prompts: [[{ role: 'user', content: 'Hi {{who}}' }]],
      providers: [{ kind: 'openai', model: 'llama3.2', label: 'Ollama', baseUrl: 'http://localhost:11434/v1', params: {}, timeouts: { firstByte: 300_000, idle: 120_000 } }],
      tests: [{ vars: { who: 'you' } }],
    });
    expect(text).toMatch(/timeouts:\s+firstByte: 300000\s+idle: 120000/);
    const back = parseExperimentYaml(text, 'promptfooconfig.yaml');
    expect(back.ok && back.experiment.providers[0]?.timeouts).toEqual({ firstByte: 300_000, idle: 120_000 });
  });

  it('reads promptfoo\'s config.timeout (ms) as the total, and durations in config.timeouts', () => {
    const back = parseExperimentYaml(
      `prompts: ["Hi"]
providers:
  - id: openai:chat:m
    config: { apiBaseUrl: "http://localhost:8000/v1", timeout: 90000, timeouts: { connect: 5s, idle: "2m" } }
tests:
  - vars: {}
`,
      'promptfooconfig.yaml',
    );
    expect(back.ok && back.experiment.providers[0]?.timeouts).toEqual({ total: 90_000, connect: 5000, idle: 120_000 });
    const bad = parseExperimentYaml('prompts: ["Hi"]\nproviders:\n  - id: openai:chat:m\n    config: { timeouts: { idle: 10ms } }\ntests:\n  - vars: {}\n', 'promptfooconfig.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.join(' ')).toContain('providers[0].config.timeouts.idle (line 4): must be at least 0.1 s.');
  });
});
