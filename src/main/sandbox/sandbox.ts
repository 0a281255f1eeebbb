/**
 * The sandbox: every piece of text that came from a file or a person and is evaluated rather
 * than read — prompt templates, check values, `javascript` checks, transforms, regex patterns —
 * runs here, in a QuickJS interpreter compiled to WebAssembly. It has no host bindings at all:
 * no `require`, no `process`, no `fetch`, no file system, no timers, no way back to this
 * process's own Function constructor. Whatever a template does, it can only compute a string.
 *
 * Nunjucks itself (the same version, its browser bundle) runs inside, so rendering is
 * Nunjucks' own semantics, not an imitation. Each call has budgets: wall time (an interrupt
 * handler stops a loop that never ends, and a backtracking regex in the middle of a match),
 * memory (the runtime's limit), stack depth, and the size of what goes in and comes out.
 *
 * The interpreter lives in a worker thread, and each call blocks this thread until the answer
 * comes (Atomics.wait), so callers stay synchronous. A call that outlives its budget even so
 * (one native operation, like sorting a huge array, does not stop for interrupts) gets its
 * thread terminated and replaced: nothing a template does can hang the app.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { PRELUDE } from './prelude';
import { WORKER_SOURCE } from './worker-source';

export interface SandboxLimits {
  /** Wall-clock budget of one render, in milliseconds. */
  renderMs: number;
  /** Budget of one regex test. */
  regexMs: number;
  /** Budget of one run of user code (a `javascript` check, a transform). */
  codeMs: number;
  /** Memory the whole interpreter may hold, in bytes. */
  memoryBytes: number;
  /** Native stack the interpreter may use, in bytes: deep recursion ends here. */
  stackBytes: number;
  /** Characters a template, its variables (as JSON) or any other input may have. */
  maxInputChars: number;
  /** Characters a render or a result may have. */
  maxOutputChars: number;
}

export const DEFAULT_LIMITS: SandboxLimits = {
  renderMs: 250,
  regexMs: 100,
  codeMs: 1000,
  memoryBytes: 256 * 1024 * 1024,
  stackBytes: 192 * 1024,
  maxInputChars: 16 * 1024 * 1024,
  maxOutputChars: 16 * 1024 * 1024,
};

/** Why a call failed: the code's own error, or a budget it ran out of. */
export type SandboxFailureKind = 'error' | 'time' | 'memory' | 'stack' | 'size';

export interface SandboxFailure {
  ok: false;
  kind: SandboxFailureKind;
  /** A sentence a person can act on. */
  message: string;
  /** The error's name inside the sandbox (`CompileError` when a template does not compile). */
  name?: string;
}

export type SandboxResult<T> = { ok: true; value: T } | SandboxFailure;

/** The language a template is written in; Nunjucks unless it says Mustache. */
export type SandboxEngine = 'nunjucks' | 'mustache';

/** Each text's engine as the prelude reads it (JSON), or nothing when every text is Nunjucks. */
function enginesArg(engines: readonly SandboxEngine[] | undefined): string[] {
  return engines?.some((e) => e === 'mustache') ? [JSON.stringify(engines)] : [];
}

/** A value user code returned, as it crossed out of the sandbox. */
export interface CodeValue {
  kind: 'boolean' | 'number' | 'string' | 'object' | 'array' | 'null' | 'undefined' | 'function' | 'symbol' | 'bigint';
  /** The value as JSON (`null` for what JSON cannot carry). */
  json: string;
  /** The text, when `kind` is string. */
  text: string;
}

function describeBudget(kind: SandboxFailureKind, ms: number, limits: SandboxLimits): string {
  switch (kind) {
    case 'time':
      return `stopped after ${ms} ms, its time budget (a loop that never ends, or a pattern that backtracks without end?)`;
    case 'memory':
      return `stopped: it needed more than ${Math.round(limits.memoryBytes / 1024 / 1024)} MB of memory`;
    case 'stack':
      return 'stopped: it nests or recurses too deeply';
    default:
      return '';
  }
}

/** A worker's answer to one call. */
type Reply = { seq: number; ok: true; value: unknown } | { seq: number; ok: false; name: string; message: string; fatal?: boolean };

function isReply(value: unknown): value is Reply {
  return typeof value === 'object' && value !== null && 'seq' in value && 'ok' in value;
}

/** Time a worker may take beyond its own budget before the host stops the thread. */
const GRACE_MS = 250;
/** Compile time allowed per kilobyte of template, on top of the render budget. */
const COMPILE_MS_PER_KB = 10;
/** Compiled texts the worker keeps (the prelude's cache size). */
const COMPILED_KEPT = 300;
/** Time a new worker may take to load. */
const LOAD_MS = 20_000;

interface WorkerHandle {
  worker: Worker;
  port: MessagePort;
  flags: Int32Array;
}

export class Sandbox {
  private handle: WorkerHandle;
  private seq = 0;
  /** Texts the worker has compiled, as far as this side knows (its cache holds as many). */
  private readonly compiled = new Set<string>();
  /** Times the worker was stopped and replaced (tests read it). */
  restarts = 0;
  /** promptfoo's nunjucksFilters for the config being run (setFilters), loaded again into a new worker. */
  private filters: readonly { name: string; source: string }[] = [];
  private filtersLoaded = true;

  private constructor(readonly limits: SandboxLimits) {
    this.handle = this.spawn();
  }

  /** Starts the worker thread; blocks until it has loaded (it loads in its own thread). */
  private spawn(): WorkerHandle {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const { port1, port2 } = new MessageChannel();
    const resolve = (id: string): string => outsideAsar(createRequire(import.meta.url).resolve(id));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        port: port2,
        flags,
        corePath: resolve('quickjs-emscripten-core'),
        variantPath: resolve('@jitl/quickjs-wasmfile-release-sync'),
        nunjucksSource: nunjucksSource(),
        mustacheSource: mustacheSource(),
        prelude: PRELUDE,
        memoryBytes: this.limits.memoryBytes,
        stackBytes: this.limits.stackBytes,
      },
      transferList: [port2],
      // Nothing of this process's environment is handed to the thread.
      env: {},
      stdout: false,
      stderr: false,
    });
    // A thread that dies answers nothing: the next call runs out of time and starts another.
    worker.on('error', () => undefined);
    worker.unref();
    port1.unref();
    const outcome = Atomics.wait(flags, 1, 0, LOAD_MS);
    if (outcome === 'timed-out' || Atomics.load(flags, 1) !== 1) {
      const failed = receiveMessageOnPort(port1)?.message as { loadError?: string } | undefined;
      void worker.terminate();
      throw new Error(`The template sandbox did not start${failed?.loadError ? `: ${failed.loadError}` : ' in time'}`);
    }
    return { worker, port: port1, flags };
  }

  private restart(): void {
    this.restarts++;
    this.compiled.clear();
    this.filtersLoaded = this.filters.length === 0;
    void this.handle.worker.terminate();
    this.handle.port.close();
    this.handle = this.spawn();
  }

  static load(limits: SandboxLimits = DEFAULT_LIMITS): Promise<Sandbox> {
    return Promise.resolve(new Sandbox(limits));
  }

  /** Stops the worker thread (tests; the process's own sandbox lives as long as the process). */
  async dispose(): Promise<void> {
    this.handle.port.close();
    await this.handle.worker.terminate();
  }

  /** How many templates were compiled inside since start (tests see the cache work). */
  compileCount(): number {
    const result = this.call('compiles', [], 1000);
    return result.ok ? Number(result.value) : 0;
  }

  /**
   * Filters every template may use besides Nunjucks' own (promptfoo's `nunjucksFilters`: the
   * source of each file, run here in the sandbox under the code budget). An empty list removes
   * them. A file that throws or exports no function fails the call, and none is kept.
   */
  setFilters(filters: readonly { name: string; source: string }[]): SandboxResult<number> {
    this.filters = filters;
    const result = this.call('setFilters', [JSON.stringify(filters)], this.limits.codeMs);
    this.filtersLoaded = result.ok;
    if (!result.ok) this.filters = [];
    return result.ok ? { ok: true, value: Number(result.value) } : result;
  }

  /** A worker started after a budget ran out has none of the filters: load them again first. */
  private reloadFilters(): void {
    if (this.filtersLoaded) return;
    this.filtersLoaded = true;
    this.call('setFilters', [JSON.stringify(this.filters)], this.limits.codeMs);
  }

  /** Forgets compiled templates (tests). */
  clearTemplates(): void {
    this.compiled.clear();
    this.call('clear', [], 1000);
  }

  /**
   * Compiles templates the worker has not seen (as far as this side knows) under a budget that
   * grows with their length, so a long document pasted into a prompt is not cut off by the
   * render budget: QuickJS compiles about a kilobyte in a few milliseconds.
   */
  private warm(texts: readonly string[], engines?: readonly SandboxEngine[]): void {
    this.reloadFilters();
    const keyOf = (text: string, i: number): string => (engines?.[i] === 'mustache' ? `m\u0000${text}` : text);
    const fresh = texts.map((text, i) => ({ text, engine: engines?.[i] ?? 'nunjucks', key: keyOf(text, i) })).filter((t) => t.text.includes('{') && !this.compiled.has(t.key));
    if (fresh.length === 0) return;
    const chars = fresh.reduce((sum, t) => sum + t.text.length, 0);
    if (chars > this.limits.maxInputChars) return;
    this.call('compileAll', [JSON.stringify(fresh.map((t) => t.text)), ...enginesArg(fresh.map((t) => t.engine))], this.limits.renderMs + Math.ceil(chars / 1024) * COMPILE_MS_PER_KB);
    for (const { key: text } of fresh) {
      this.compiled.add(text);
      if (this.compiled.size > COMPILED_KEPT) {
        const oldest = this.compiled.values().next();
        if (!oldest.done) this.compiled.delete(oldest.value);
      }
    }
  }

  /** Renders a Nunjucks (or Mustache) template with variables; a failure carries the engine's message. */
  render(text: string, vars: unknown, engine: SandboxEngine = 'nunjucks'): SandboxResult<string> {
    this.warm([text], [engine]);
    const varsJson = safeJson(vars);
    if (varsJson === undefined) return { ok: false, kind: 'error', message: 'the variables cannot be read as JSON (a cycle, or nested too deeply)' };
    const size = this.checkSize([text, varsJson]);
    if (size) return size;
    const result = this.call('render', [text, varsJson, this.limits.maxOutputChars, ...(engine === 'mustache' ? [engine] : [])], this.limits.renderMs);
    return result.ok ? { ok: true, value: String(result.value) } : result;
  }

  /**
   * Renders several templates with the same variables in one call (a cell's messages). Each
   * gets its own result; when a budget ends the call, every template fails with it.
   */
  renderAll(texts: readonly string[], vars: unknown, engines?: readonly SandboxEngine[]): SandboxResult<string>[] {
    this.warm(texts, engines);
    const varsJson = safeJson(vars);
    if (varsJson === undefined) return texts.map(() => ({ ok: false, kind: 'error', message: 'the variables cannot be read as JSON (a cycle, or nested too deeply)' }));
    const size = this.checkSize([...texts, varsJson]);
    if (size) return texts.map(() => size);
    const result = this.call('renderAll', [JSON.stringify(texts), varsJson, this.limits.maxOutputChars, ...enginesArg(engines)], this.limits.renderMs);
    if (!result.ok) return texts.map(() => result);
    const parsed = JSON.parse(String(result.value)) as ({ ok: true; value: string } | { ok: false; name: string; message: string })[];
    return parsed.map((r) => (r.ok ? { ok: true, value: r.value } : this.failure(r.name, r.message, this.limits.renderMs)));
  }

  /**
   * The same templates rendered for many rows in one call, under one render budget: for a
   * run's or an estimate's rows, where one call per row would cost more than the rendering.
   * When a budget ends the call, `undefined`: the caller renders those rows one by one.
   */
  renderRows(texts: readonly string[], rows: readonly unknown[], engines?: readonly SandboxEngine[]): SandboxResult<string>[][] | undefined {
    this.warm(texts, engines);
    const rowsJson = safeJson(rows);
    if (rowsJson === undefined || this.checkSize([...texts, rowsJson])) return undefined;
    const result = this.call('renderRows', [JSON.stringify(texts), rowsJson, this.limits.maxOutputChars, ...enginesArg(engines)], this.limits.renderMs);
    if (!result.ok) return undefined;
    const parsed = JSON.parse(String(result.value)) as ({ ok: true; value: string } | { ok: false; name: string; message: string })[][];
    return parsed.map((row) => row.map((r) => (r.ok ? { ok: true, value: r.value } : this.failure(r.name, r.message, this.limits.renderMs))));
  }

  /** Whether `pattern` (with `flags`) matches somewhere in `text`, with JavaScript's own regex semantics. */
  testRegex(pattern: string, flags: string, text: string): SandboxResult<boolean> {
    const size = this.checkSize([pattern, text]);
    if (size) return size;
    const result = this.call('regexTest', [pattern, flags, text], this.limits.regexMs);
    return result.ok ? { ok: true, value: result.value === true } : result;
  }

  /**
   * Runs `body` as the body of a function of `params`, called with `args` (each must be JSON).
   * The value comes back described; nothing the code made can reach this process but that JSON.
   */
  runCode(params: readonly string[], body: string, args: readonly unknown[], ms = this.limits.codeMs): SandboxResult<CodeValue> {
    const argsJson = safeJson(args);
    if (argsJson === undefined) return { ok: false, kind: 'error', message: 'the arguments cannot be read as JSON' };
    const size = this.checkSize([body, argsJson]);
    if (size) return size;
    const result = this.call('runCode', [JSON.stringify(params), body, argsJson, this.limits.maxOutputChars], ms);
    if (!result.ok) return result;
    const parsed: unknown = JSON.parse(String(result.value));
    return { ok: true, value: parsed as CodeValue };
  }

  private checkSize(inputs: readonly string[]): SandboxFailure | undefined {
    const total = inputs.reduce((sum, s) => sum + s.length, 0);
    if (total <= this.limits.maxInputChars) return undefined;
    return { ok: false, kind: 'size', message: `the input is ${total} characters; the limit is ${this.limits.maxInputChars}` };
  }

  /**
   * Calls an entry point in the worker and blocks until it answers. The interpreter stops
   * itself at `ms`; if the answer is still not there `GRACE_MS` later, the thread is stopped
   * and a new one started, and the call fails on time all the same.
   */
  private call(fn: string, args: readonly (string | number)[], ms: number): { ok: true; value: unknown } | SandboxFailure {
    const seq = ++this.seq;
    const { port, flags } = this.handle;
    port.postMessage({ seq, fn, args, ms });
    const giveUp = performance.now() + ms + GRACE_MS;
    for (;;) {
      const done = Atomics.load(flags, 0);
      if (done >= seq) break;
      const left = giveUp - performance.now();
      if (left <= 0 || Atomics.wait(flags, 0, done, left) === 'timed-out') {
        if (Atomics.load(flags, 0) >= seq) break;
        this.restart();
        return { ok: false, kind: 'time', message: describeBudget('time', ms, this.limits) };
      }
    }
    let reply: Reply | undefined;
    for (let received = receiveMessageOnPort(port); received; received = receiveMessageOnPort(port)) {
      const message: unknown = received.message;
      if (isReply(message) && message.seq === seq) {
        reply = message;
        break;
      }
    }
    if (!reply) return { ok: false, kind: 'error', message: 'the sandbox gave no answer' };
    if (reply.ok) return { ok: true, value: reply.value };
    if (reply.fatal) {
      this.restart();
      return { ok: false, kind: 'stack', message: describeBudget('stack', ms, this.limits) };
    }
    return this.failure(reply.name, reply.message, ms);
  }

  private failure(name: string, message: string, ms: number): SandboxFailure {
    let kind: SandboxFailureKind = 'error';
    if (/\binterrupted\b/.test(message)) kind = 'time';
    else if (/out of memory/i.test(message)) kind = 'memory';
    else if (/stack overflow|too much recursion|call stack/i.test(message)) kind = 'stack';
    else if (name === 'BudgetError') kind = 'size';
    const text = kind === 'error' || kind === 'size' ? message : describeBudget(kind, ms, this.limits);
    return { ok: false, kind, message: text, name };
  }
}

/**
 * In the packaged app, dependencies sit in app.asar and the QuickJS packages also in
 * app.asar.unpacked (electron-builder.yml): the worker thread is given the unpacked copy.
 */
export function outsideAsar(path: string): string {
  const unpacked = path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  return unpacked !== path && existsSync(unpacked) ? unpacked : path;
}

let nunjucksText: string | undefined;
function nunjucksSource(): string {
  nunjucksText ??= readFileSync(createRequire(import.meta.url).resolve('nunjucks/browser/nunjucks.min.js'), 'utf8');
  return nunjucksText;
}

let mustacheText: string | undefined;
function mustacheSource(): string {
  // The UMD build: evaluated as a script, it defines the global `Mustache` the prelude takes.
  mustacheText ??= readFileSync(createRequire(import.meta.url).resolve('mustache/mustache.js'), 'utf8');
  return mustacheText;
}

/** JSON text of a value, or undefined for what cannot be written (cycles, BigInt, too deep). */
function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return undefined;
  }
}
