/**
 * Starts browser mode (the built out/main/web.js) on a throwaway or given data folder and
 * returns the URL it printed, token included, as a person would copy it from the terminal.
 * The token is only ever in the URL's fragment (the page moves it to an Authorization header),
 * so API calls made by a test send it as `Authorization: Bearer <token>` too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WebApp {
  /** The URL as printed, `http://127.0.0.1:<port>/#token=<token>`: the token only in the fragment. */
  url: string;
  port: number;
  token: string;
  dataDir: string;
  output: () => string;
  stop(): Promise<void>;
}

const entry = join(import.meta.dirname, '..', '..', '..', 'out', 'main', 'web.js');

export function freshDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'parallax-e2e-'));
}

/** Starts browser mode; `port` 0 (the default) lets it pick one, a port from an earlier launch restarts it in place. */
export async function startWebApp(dataDir = freshDataDir(), env: NodeJS.ProcessEnv = {}, port = 0): Promise<WebApp> {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" first (npm test does).`);
  const child: ChildProcess = spawn(process.execPath, [entry, '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not print its URL in time:\n${out}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => /^http:\/\/127\.0\.0\.1:\d+\/#token=\S+$/.test(l.trim()));
      if (line) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`browser mode exited with ${code}:\n${out}`));
    });
  });
  const printed = new URL(url);
  return {
    url,
    port: Number(printed.port),
    token: decodeURIComponent(printed.hash.replace(/^#token=/, '')),
    dataDir,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Calls a contract method of a running browser mode as the page does (POST /api/<method> with the Bearer token). */
export async function callApi<T>(app: WebApp, method: string, input: unknown): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${app.port}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${app.token}` },
    body: JSON.stringify(input),
  });
  const envelope = (await response.json()) as { ok: true; data: T } | { ok: false; error: { message: string } };
  if (!envelope.ok) throw new Error(`${method}: ${envelope.error.message}`);
  return envelope.data;
}
