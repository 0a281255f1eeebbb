/**
 * The sandbox's worker thread, as source text (started with `new Worker(source, { eval: true })`
 * so the same file works from the TypeScript sources, the built app and the CLI). It loads the
 * QuickJS WebAssembly module, Nunjucks' browser bundle, Mustache's bundle and the prelude into one interpreter,
 * then answers calls posted on its port: each runs under QuickJS's own interrupt deadline, and
 * the host kills the whole thread if an answer is late all the same (a single native operation,
 * such as sorting a huge array, does not stop for interrupts).
 *
 * Protocol: the host posts `{ seq, fn, args, ms }`; the worker posts `{ seq, ok, value }` or
 * `{ seq, ok: false, name, message }` and then bumps `flags[0]` to `seq` and notifies, so the
 * host can block on it with Atomics.wait and read the answer with receiveMessageOnPort.
 * `flags[1]` becomes 1 when the worker is ready, or -1 with `{ loadError }` posted if it failed.
 */
export const WORKER_SOURCE = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const { port, flags, corePath, variantPath, nunjucksSource, mustacheSource, prelude, memoryBytes, stackBytes } = workerData;
const core = require(corePath);
const variantModule = require(variantPath);
const variant = variantModule.default || variantModule;

const MAX_MESSAGE = 2000;

function signal(index, value) {
  Atomics.store(flags, index, value);
  Atomics.notify(flags, index);
}

(async () => {
  const module = await core.newQuickJSWASMModuleFromVariant(variant);
  const runtime = module.newRuntime();
  runtime.setMemoryLimit(memoryBytes);
  runtime.setMaxStackSize(stackBytes);
  let deadline = Infinity;
  runtime.setInterruptHandler(() => performance.now() > deadline);
  const vm = runtime.newContext();
  vm.unwrapResult(vm.evalCode(nunjucksSource, 'nunjucks.js')).dispose();
  vm.unwrapResult(vm.evalCode(mustacheSource, 'mustache.js')).dispose();
  const api = vm.unwrapResult(vm.evalCode(prelude, 'prelude.js'));
  const fns = {};
  for (const name of ['render', 'renderAll', 'renderRows', 'compileAll', 'regexTest', 'runCode', 'setFilters', 'compiles', 'clear']) fns[name] = vm.getProp(api, name);
  api.dispose();

  port.on('message', (message) => {
    const { seq, fn, args, ms } = message;
    let reply;
    const handles = [];
    deadline = performance.now() + ms;
    try {
      for (const a of args) handles.push(typeof a === 'string' ? vm.newString(a) : vm.newNumber(a));
      const result = vm.callFunction(fns[fn], vm.undefined, ...handles);
      if (result.error) {
        const dumped = vm.dump(result.error);
        result.error.dispose();
        const error = dumped !== null && typeof dumped === 'object' ? dumped : { message: String(dumped) };
        // Names and messages come from the code that failed: cut them to a readable size.
        const name = typeof error.name === 'string' ? error.name.slice(0, 100) : 'Error';
        const text = typeof error.message === 'string' ? error.message : String(dumped);
        reply = { seq, ok: false, name, message: text.length > MAX_MESSAGE ? text.slice(0, MAX_MESSAGE) + '… (cut)' : text };
      } else {
        const handle = result.value;
        const type = vm.typeof(handle);
        const value = type === 'string' ? vm.getString(handle) : type === 'number' ? vm.getNumber(handle) : type === 'boolean' ? vm.dump(handle) === true : null;
        handle.dispose();
        reply = { seq, ok: true, value };
      }
    } catch (error) {
      // The thread's own stack ran out inside the interpreter: report it; the host restarts us.
      reply = { seq, ok: false, name: 'HostError', message: error && error.message ? String(error.message) : String(error), fatal: true };
    } finally {
      deadline = Infinity;
      for (const h of handles) h.dispose();
    }
    port.postMessage(reply);
    signal(0, seq);
  });
  signal(1, 1);
})().catch((error) => {
  port.postMessage({ loadError: error && error.stack ? String(error.stack) : String(error) });
  signal(1, -1);
});
`;
