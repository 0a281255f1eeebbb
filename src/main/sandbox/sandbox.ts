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
 * The calls are synchronous once the sandbox is loaded (the WebAssembly module loads once, at
 * import of src/main/sandbox/index.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import variant from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten-core';
import { PRELUDE } from './prelude';

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

/** A value user code returned, as it crossed out of the sandbox. */
export interface CodeValue {
  kind: 'boolean' | 'number' | 'string' | 'object' | 'array' | 'null' | 'undefined' | 'function' | 'symbol' | 'bigint';
  /** The value as JSON (`null` for what JSON cannot carry). */
  json: string;
  /** The text, when `kind` is string. */
  text: string;
}

interface VmError {
  name?: unknown;
  message?: unknown;
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

export class Sandbox {
  private deadline = Infinity;
  private readonly api: { render: QuickJSHandle; regexTest: QuickJSHandle; runCode: QuickJSHandle; compiles: QuickJSHandle; clear: QuickJSHandle };

  private constructor(
    private readonly runtime: QuickJSRuntime,
    private readonly vm: QuickJSContext,
    readonly limits: SandboxLimits,
  ) {
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    runtime.setInterruptHandler(() => performance.now() > this.deadline);
    const nunjucksSource = readFileSync(createRequire(import.meta.url).resolve('nunjucks/browser/nunjucks.min.js'), 'utf8');
    this.vm.unwrapResult(this.vm.evalCode(nunjucksSource, 'nunjucks.js')).dispose();
    const api = this.vm.unwrapResult(this.vm.evalCode(PRELUDE, 'prelude.js'));
    this.api = {
      render: this.vm.getProp(api, 'render'),
      regexTest: this.vm.getProp(api, 'regexTest'),
      runCode: this.vm.getProp(api, 'runCode'),
      compiles: this.vm.getProp(api, 'compiles'),
      clear: this.vm.getProp(api, 'clear'),
    };
    api.dispose();
  }

  static async load(limits: SandboxLimits = DEFAULT_LIMITS): Promise<Sandbox> {
    const module = await newQuickJSWASMModuleFromVariant(variant);
    const runtime = module.newRuntime();
    return new Sandbox(runtime, runtime.newContext(), limits);
  }

  /** How many templates were compiled inside since start (tests see the cache work). */
  compileCount(): number {
    const result = this.call(this.api.compiles, [], 1000);
    return result.ok ? Number(result.value) : 0;
  }

  /** Forgets compiled templates (tests). */
  clearTemplates(): void {
    this.call(this.api.clear, [], 1000);
  }

  /** Renders a Nunjucks template with variables; a failure carries Nunjucks' message. */
  render(text: string, vars: unknown): SandboxResult<string> {
    const varsJson = safeJson(vars);
    if (varsJson === undefined) return { ok: false, kind: 'error', message: 'the variables cannot be read as JSON (a cycle, or nested too deeply)' };
    const size = this.checkSize([text, varsJson]);
    if (size) return size;
    const result = this.call(this.api.render, [text, varsJson, this.limits.maxOutputChars], this.limits.renderMs);
    return result.ok ? { ok: true, value: String(result.value) } : result;
  }

  /** Whether `pattern` (with `flags`) matches somewhere in `text`, with JavaScript's own regex semantics. */
  testRegex(pattern: string, flags: string, text: string): SandboxResult<boolean> {
    const size = this.checkSize([pattern, text]);
    if (size) return size;
    const result = this.call(this.api.regexTest, [pattern, flags, text], this.limits.regexMs);
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
    const result = this.call(this.api.runCode, [JSON.stringify(params), body, argsJson, this.limits.maxOutputChars], ms);
    if (!result.ok) return result;
    const parsed: unknown = JSON.parse(String(result.value));
    return { ok: true, value: parsed as CodeValue };
  }

  private checkSize(inputs: readonly string[]): SandboxFailure | undefined {
    const total = inputs.reduce((sum, s) => sum + s.length, 0);
    if (total <= this.limits.maxInputChars) return undefined;
    return { ok: false, kind: 'size', message: `the input is ${total} characters; the limit is ${this.limits.maxInputChars}` };
  }

  /** Calls an entry point with string and number arguments under a time budget. */
  private call(fn: QuickJSHandle, args: readonly (string | number)[], ms: number): { ok: true; value: unknown } | SandboxFailure {
    const handles = args.map((a) => (typeof a === 'string' ? this.vm.newString(a) : this.vm.newNumber(a)));
    this.deadline = performance.now() + ms;
    let result;
    try {
      result = this.vm.callFunction(fn, this.vm.undefined, ...handles);
    } catch (error) {
      // The host's own stack ran out inside the interpreter (its stack limit is set well below
      // this, so it should not happen); report it as a budget like any other.
      if (error instanceof RangeError) return { ok: false, kind: 'stack', message: describeBudget('stack', ms, this.limits) };
      throw error;
    } finally {
      this.deadline = Infinity;
      handles.forEach((h) => h.dispose());
    }
    if (result.error) {
      const dumped: unknown = this.vm.dump(result.error);
      result.error.dispose();
      return this.failure(dumped, ms);
    }
    const handle = result.value;
    const type = this.vm.typeof(handle);
    const value: unknown = type === 'string' ? this.vm.getString(handle) : type === 'number' ? this.vm.getNumber(handle) : type === 'boolean' ? this.vm.dump(handle) === true : undefined;
    handle.dispose();
    return { ok: true, value };
  }

  private failure(dumped: unknown, ms: number): SandboxFailure {
    const error: VmError = typeof dumped === 'object' && dumped !== null ? (dumped as VmError) : { message: String(dumped) };
    const name = typeof error.name === 'string' ? error.name : 'Error';
    const message = typeof error.message === 'string' ? error.message : String(dumped);
    let kind: SandboxFailureKind = 'error';
    if (/\binterrupted\b/.test(message)) kind = 'time';
    else if (/out of memory/i.test(message)) kind = 'memory';
    else if (/stack overflow|too much recursion|call stack/i.test(message)) kind = 'stack';
    else if (name === 'BudgetError') kind = 'size';
    const text = kind === 'error' || kind === 'size' ? message : describeBudget(kind, ms, this.limits);
    return { ok: false, kind, message: text, name };
  }
}

/** JSON text of a value, or undefined for what cannot be written (cycles, BigInt, too deep). */
function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return undefined;
  }
}
