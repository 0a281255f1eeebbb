import { describe, expect, it } from 'vitest';
import { detectPii, scanPii } from '../../src/shared/pii/detect';
import { effectivePii, isLoopbackUrl, kindsOf, MAX_SCAN_CHARS, type PiiKind } from '../../src/shared/pii/kinds';
import { evaluateAssertionAsync } from '../../src/shared/assertions/evaluate';
import { portableAsserts } from '../../src/shared/promptfoo/portable-checks';
import { exportExperimentYaml, parseExperimentYaml, type Experiment } from '../../src/shared/promptfoo/experiment';
import { maskMessages, StreamUnmasker, unmask, type PiiScan } from '../../src/shared/pii/mask';
import type { Message } from '../../src/shared/schemas';
import { PiiScanner } from '../../src/main/pii/scanner';

const scanner = new PiiScanner();
const scan: PiiScan = (text) => scanner.scan(text);

describe('maskMessages', () => {
  it('gives one value one placeholder across messages and restores the answer', async () => {
    const messages: Message[] = [
      { role: 'system', content: 'You answer for Jane Cooper.' },
      { role: 'user', content: 'Write to ada@example.com and call +44 20 7946 0958. Again: ada@example.com, and bob@example.org.' },
    ];
    const outcome = await maskMessages(messages, 'mask', scan);
    expect(outcome.action).toBe('send');
    if (outcome.action !== 'send') return;
    const sent = outcome.messages.map((m) => m.content).join('\n');
    expect(sent).not.toContain('ada@example.com');
    expect(sent).not.toContain('7946');
    expect(sent).toContain('Write to [EMAIL_1] and call [PHONE_1]. Again: [EMAIL_1], and [EMAIL_2].');
    expect(outcome.counts).toEqual({ email: 3, phone: 1, person: 1 });
    expect(unmask('Dear [PERSON_1], I wrote to [EMAIL_1] and [EMAIL_2].', outcome.mapping)).toBe('Dear Jane Cooper, I wrote to ada@example.com and bob@example.org.');
  });

  it('never hands out a placeholder the prompt already holds, so a typed one is not "restored"', async () => {
    const messages: Message[] = [{ role: 'user', content: 'Keep [EMAIL_1] as it is; my address is eve@example.net.' }];
    const outcome = await maskMessages(messages, 'mask', scan);
    if (outcome.action !== 'send') throw new Error('not sent');
    expect(outcome.messages[0]?.content).toBe('Keep [EMAIL_1] as it is; my address is [EMAIL_2].');
    expect(unmask('[EMAIL_1] and [EMAIL_2] and [EMAIL_3] and [PHONE_9]', outcome.mapping)).toBe('[EMAIL_1] and eve@example.net and [EMAIL_3] and [PHONE_9]');
  });

  it('masks text parts and tool-call arguments as well as content', async () => {
    const messages: Message[] = [
      { role: 'user', content: 'see ann@example.com [image: a]', parts: [{ type: 'text', text: 'see ann@example.com ' }, { type: 'image', image: 'x.png' }] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'send', arguments: '{"to":"ann@example.com"}' }] },
    ];
    const outcome = await maskMessages(messages, 'mask', scan);
    if (outcome.action !== 'send') throw new Error('not sent');
    expect(JSON.stringify(outcome.messages)).not.toContain('ann@example.com');
    expect(outcome.messages[1]?.toolCalls?.[0]?.arguments).toBe('{"to":"[EMAIL_1]"}');
  });

  it("masks the speaker's name a message is sent with, and block counts it", async () => {
    const messages: Message[] = [{ role: 'user', name: 'zoe@example.com', content: 'Hello' }];
    const outcome = await maskMessages(messages, 'mask', scan);
    if (outcome.action !== 'send') throw new Error('not sent');
    expect(outcome.messages[0]?.name).toBe('[EMAIL_1]');
    expect(outcome.counts).toEqual({ email: 1 });
    expect(await maskMessages(messages, 'block', scan)).toMatchObject({ action: 'block', counts: { email: 1 } });
  });

  it('warn sends as it is and counts; block sends nothing and names only kinds; off does not scan', async () => {
    const messages: Message[] = [{ role: 'user', content: 'Card 4111 1111 1111 1111, mail zed@example.com' }];
    const warned = await maskMessages(messages, 'warn', scan);
    expect(warned.action === 'send' && warned.messages[0]?.content).toBe(messages[0]?.content);
    expect(warned.action === 'send' && warned.counts).toEqual({ card: 1, email: 1 });
    const blocked = await maskMessages(messages, 'block', scan);
    expect(blocked).toEqual({ action: 'block', counts: { card: 1, email: 1 }, found: 2 });
    let scans = 0;
    const off = await maskMessages(messages, 'off', (text) => {
      scans++;
      return scan(text);
    });
    expect(off.action === 'send' && off.found).toBe(0);
    expect(scans).toBe(0);
  });

  it('refuses to mask a request too long to scan rather than send its unread tail', async () => {
    const messages: Message[] = [{ role: 'user', content: `${'x'.repeat(MAX_SCAN_CHARS)} then leak@example.com` }];
    const outcome = await maskMessages(messages, 'mask', scan);
    expect(outcome.action).toBe('refuse');
  });
});

describe('hostile text', () => {
  it('50 MB of text is scanned in bounded time (capped and budgeted), not hung on', () => {
    const huge = 'a@'.repeat(25_000_000);
    const started = Date.now();
    const result = scanPii(huge);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.complete).toBe(false);
  }, 30_000);

  it('a run of digits that would make a phone finder crawl stops at the time budget', () => {
    const started = Date.now();
    const result = scanPii('1 '.repeat(400_000), ['phone'], 1_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.complete).toBe(false);
  }, 20_000);

  it('NUL bytes, markup and formulas around data do not hide it or break offsets', () => {
    const text = '\0\0<script>alert(1)</script>=HYPERLINK("javascript:x") nul\0ada@example.com\0 and Dr. Grace Hopper\0';
    const spans = detectPii(text);
    for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.text);
    expect(spans.map((s) => [s.kind, s.text])).toEqual([
      ['email', 'ada@example.com'],
      ['person', 'Grace Hopper'],
    ]);
  });

  it('a placeholder split across stream pieces is restored once whole', () => {
    const stream = new StreamUnmasker({ '[EMAIL_1]': 'ada@example.com' });
    const out = [stream.push('Mail [EM'), stream.push('AIL_'), stream.push('1] now ['), stream.push('not one] ok'), stream.end()].join('');
    expect(out).toBe('Mail ada@example.com now [not one] ok');
  });

  it('finds secrets with secretlint in main', async () => {
    const token = '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';
    const { spans } = await scanner.scan(`use ${token} for the API`);
    expect(spans).toEqual([{ kind: 'secret', start: 4, end: 4 + token.length, text: token }]);
  });
});

describe('policy', () => {
  it('remote is every non-loopback URL; remote masks and loopback is off unless set', () => {
    expect(isLoopbackUrl('http://127.0.0.1:8080/v1')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:11434')).toBe(true);
    expect(isLoopbackUrl('http://localhost:1234/v1')).toBe(true);
    expect(isLoopbackUrl('http://127.0.0.1.evil.com/v1')).toBe(false);
    // A *.localhost name resolves wherever the resolver says: only the names that are loopback count.
    expect(isLoopbackUrl('http://evil.localhost:8080/v1')).toBe(false);
    expect(isLoopbackUrl('http://a.b.localhost/v1')).toBe(false);
    expect(isLoopbackUrl('http://127.1.2.3:8080/v1')).toBe(true);
    expect(isLoopbackUrl('http://[0:0:0:0:0:0:0:1]/v1')).toBe(true);
    expect(isLoopbackUrl('http://LOCALHOST/v1')).toBe(true);
    expect(isLoopbackUrl('https://api.openai.com/v1')).toBe(false);
    expect(effectivePii(undefined, 'https://api.openai.com/v1')).toMatchObject({ remote: true, policy: 'mask' });
    expect(effectivePii(undefined, 'http://localhost:11434/v1')).toMatchObject({ remote: false, policy: 'off' });
    expect(effectivePii(undefined, undefined)).toMatchObject({ remote: false, policy: 'off' });
    expect(effectivePii({ remote: true }, 'http://127.0.0.1:9/v1')).toMatchObject({ remote: true, policy: 'mask', remoteSet: true });
    expect(effectivePii({ policy: 'block' }, 'https://x.example')).toMatchObject({ policy: 'block', policySet: true });
  });

  it('reads kinds from a check value', () => {
    expect(kindsOf(['email', 'phone'])).toEqual({ ok: true, kinds: ['email', 'phone'] });
    expect(kindsOf('email, card')).toEqual({ ok: true, kinds: ['email', 'card'] });
    expect(kindsOf(['emails']).ok).toBe(false);
    expect(kindsOf(undefined).ok && kindsOf(undefined)).toMatchObject({ ok: true });
  });
});

describe('contains-pii check', () => {
  const context = (output: string) => ({ output, vars: {}, findPii: (text: string, kinds: readonly PiiKind[]) => scanner.scan(text, kinds) });

  it('not-contains-pii fails on an answer with personal data and names only the kinds', async () => {
    const result = await evaluateAssertionAsync({ type: 'not-contains-pii' }, context('Sure, write to ada@example.com or call +44 20 7946 0958.'));
    expect(result.pass).toBe(false);
    expect(result.reason).toBe('Expected no personal data in the output; found 1 email, 1 phone');
    expect(result.reason).not.toContain('ada@');
    expect((await evaluateAssertionAsync({ type: 'not-contains-pii' }, context('Nothing personal here, version 1.2.3.'))).pass).toBe(true);
  });

  it('value limits the kinds; a bad kind is an error; no scanner fails rather than passes', async () => {
    expect((await evaluateAssertionAsync({ type: 'not-contains-pii', value: ['phone'] }, context('mail ada@example.com'))).pass).toBe(true);
    expect((await evaluateAssertionAsync({ type: 'contains-pii', value: ['email'] }, context('mail ada@example.com'))).pass).toBe(true);
    expect((await evaluateAssertionAsync({ type: 'not-contains-pii', value: ['emails'] }, context('x'))).reason).toContain('"emails" is not a kind');
    expect((await evaluateAssertionAsync({ type: 'not-contains-pii' }, { output: 'x', vars: {} })).pass).toBe(false);
  });

  it('is left out of a promptfoo export with a note saying why', () => {
    const notes: string[] = [];
    expect(portableAsserts([{ type: 'not-contains-pii', value: ['email'] }, { type: 'contains', value: 'x' }], 'tests[0].assert', notes)).toEqual([{ type: 'contains', value: 'x' }]);
    expect(notes[0]).toContain('tests[0].assert[0] (not-contains-pii ["email"]) is left out: promptfoo has no personal-data check');
  });
});

describe('contains-pii in a promptfoo file', () => {
  it('is written as a header note promptfoo ignores and read back where it stood', () => {
    const experiment: Experiment = {
      prompts: [[{ role: 'user', content: 'Hi {{name}}' }]],
      providers: [{ kind: 'echo', model: 'echo', params: {} }],
      tests: [{ vars: { name: 'Ada' }, assert: [{ type: 'contains', value: 'Ada' }, { type: 'not-contains-pii', value: ['email', 'phone'], weight: 2 }, { type: 'icontains', value: 'hi' }] }],
      defaultAssert: [{ type: 'not-contains-pii' }],
    };
    const yaml = exportExperimentYaml(experiment);
    expect(yaml).toContain('# tests[0].assert[1] (not-contains-pii ["email","phone"]) is left out: promptfoo has no personal-data check');
    // promptfoo sees only the checks it knows.
    expect(yaml).not.toMatch(/^\s*- type: not-contains-pii/m);
    const read = parseExperimentYaml(yaml, 'promptfooconfig.yaml');
    if (!read.ok) throw new Error(read.errors.join('\n'));
    expect(read.experiment.tests[0]?.assert).toEqual(experiment.tests[0]?.assert);
    expect(read.experiment.defaultAssert).toEqual([{ type: 'not-contains-pii' }]);
  });

  it('a hand-written note with something else in it is not read as a check', () => {
    const yaml = '# tests[0].assert[0] (x) is left out: Parallax check: {"type":"javascript","value":"1"}.\nprompts: [hi]\nproviders: [echo]\ntests:\n  - vars: {}\n';
    const read = parseExperimentYaml(yaml, 'promptfooconfig.yaml');
    expect(read.ok && read.experiment.tests[0]?.assert).toBeFalsy();
  });
});
