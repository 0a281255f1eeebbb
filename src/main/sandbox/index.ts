/**
 * The process's one sandbox, loaded at import (the WebAssembly module compiles once, ~100 ms),
 * so every caller can render synchronously. See sandbox.ts for what it isolates and how.
 */
import { Sandbox } from './sandbox';

export { DEFAULT_LIMITS, Sandbox } from './sandbox';
export type { CodeValue, SandboxEngine, SandboxFailure, SandboxFailureKind, SandboxLimits, SandboxResult } from './sandbox';

export const sandbox: Sandbox = await Sandbox.load();
