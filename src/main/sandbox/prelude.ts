/**
 * The JavaScript that runs inside the sandbox once, after Nunjucks' browser bundle: it builds
 * the one Nunjucks environment (as promptfoo configures it: no autoescaping, an undefined
 * variable prints as empty text, no loaders so nothing can be included), keeps compiled
 * templates in a closure, and hands the host a frozen object of entry points. Then it freezes
 * everything a template or check can reach, so one file's template cannot change how another's
 * renders (a poisoned `Array.prototype.join`, a filter swapped on the environment).
 *
 * Mustache (Prompty's second template language) is loaded beside Nunjucks the same way: its own
 * bundle, captured here and deleted from the global object, with two changes so it renders as
 * Prompty's Python runtime (chevron) does and reads nothing but the row's data: a name is
 * looked up in the view's own keys only (never `constructor` or another inherited property),
 * and escaping replaces `&`, `<`, `>` and `"` only. Each template says which engine renders it.
 *
 * This text is code we wrote; it is the only code that runs in the sandbox with no budget.
 */
export const PRELUDE = String.raw`
(function () {
  'use strict';
  var nj = globalThis.nunjucks;
  var mu = globalThis.Mustache;
  var hasOwn = Object.prototype.hasOwnProperty;
  function ownKey(value, key) {
    return value !== null && typeof value === 'object' && hasOwn.call(value, key);
  }
  // A name resolves in the innermost context that has it as an own key; a dotted name reads
  // each part as an own key too. Nothing inherited (constructor, __proto__, toString) is read.
  mu.Context.prototype.lookup = function lookup(name) {
    if (name === '.') return this.view;
    var names = name.split('.');
    for (var context = this; context; context = context.parent) {
      var value = context.view;
      var hit = true;
      for (var i = 0; i < names.length; i++) {
        if (!ownKey(value, names[i])) {
          hit = false;
          break;
        }
        value = value[names[i]];
      }
      if (hit) return value;
    }
    return undefined;
  };
  // chevron's escaping (what Prompty's Python runtime sends), not mustache.js's wider one.
  mu.escape = function escape(text) {
    return String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  };
  // Parsed templates are kept in this closure (below), not in Mustache's shared cache.
  mu.templateCache = undefined;
  // QuickJS's own extras: nothing a template needs.
  var env = new nj.Environment([], { autoescape: false, throwOnUndefined: false });
  // promptfoo's own filter: text read as JSON ({{ '{"a": 1}' | load }}). promptfoo's 'env'
  // global (the process environment) is deliberately not here.
  env.addFilter('load', function (text) {
    return JSON.parse(text);
  });
  // promptfoo's nunjucksFilters: functions a config's own files define, loaded by the host
  // (setFilters) for the one config it runs, and looked up before Nunjucks' filters. The map
  // lives in this closure: no template can reach it, only the host replaces what it holds.
  var customFilters = new Map();
  var builtinGetFilter = env.getFilter;
  env.getFilter = function getFilter(name) {
    var custom = customFilters.get(name);
    return custom !== undefined ? custom : builtinGetFilter.call(this, name);
  };
  var templates = new Map();
  var MAX_TEMPLATES = 300;
  var compiles = 0;

  // A Mustache template, parsed once; renders as Nunjucks' Template does.
  function MustacheTemplate(text) {
    this.tokens = mu.parse(text);
    this.text = text;
  }
  MustacheTemplate.prototype.render = function (view) {
    var writer = new mu.Writer();
    return writer.renderTokens(this.tokens, new mu.Context(view), undefined, this.text, undefined);
  };

  function templateOf(text, engine) {
    var key = (engine === 'mustache' ? 'm\u0000' : 'n\u0000') + text;
    var hit = templates.get(key);
    if (hit) {
      templates.delete(key);
      templates.set(key, hit);
      return hit;
    }
    compiles++;
    var template = engine === 'mustache' ? new MustacheTemplate(text) : new nj.Template(text, env, undefined, true);
    templates.set(key, template);
    if (templates.size > MAX_TEMPLATES) templates.delete(templates.keys().next().value);
    return template;
  }

  function tooLarge(what, length, limit) {
    var error = new Error(what + ' is ' + length + ' characters; the limit is ' + limit);
    error.name = 'BudgetError';
    return error;
  }

  // Renders one template with variables given as JSON text; returns the text.
  function render(text, varsJson, maxOutput, engine) {
    var template;
    try {
      template = templateOf(text, engine);
    } catch (error) {
      var compileError = new Error(error && typeof error.message === 'string' ? error.message : String(error));
      compileError.name = 'CompileError';
      throw compileError;
    }
    var out = template.render(JSON.parse(varsJson));
    if (typeof out !== 'string') out = String(out);
    if (out.length > maxOutput) throw tooLarge('The rendered text', out.length, maxOutput);
    return out;
  }

  // Renders several templates with the same variables (a cell's messages) into results:
  // per template { ok, value } or { ok: false, name, message }. A budget (time, memory) cannot
  // be caught here: it ends the whole call, and the host retries in smaller steps.
  function renderEach(texts, vars, state, maxOutput, engines) {
    var out = [];
    for (var i = 0; i < texts.length; i++) {
      try {
        var template;
        try {
          template = templateOf(texts[i], engines[i]);
        } catch (error) {
          out.push({ ok: false, name: 'CompileError', message: error && typeof error.message === 'string' ? error.message : String(error) });
          continue;
        }
        var text = template.render(vars);
        if (typeof text !== 'string') text = String(text);
        state.total += text.length;
        if (state.total > maxOutput) throw tooLarge('The rendered text', state.total, maxOutput);
        out.push({ ok: true, value: text });
      } catch (error) {
        out.push({ ok: false, name: error && typeof error.name === 'string' ? error.name : 'Error', message: error && typeof error.message === 'string' ? error.message : String(error) });
      }
    }
    return out;
  }

  // engines: JSON list of each text's engine ('mustache', else Nunjucks); may be omitted.
  function enginesOf(enginesJson) {
    return typeof enginesJson === 'string' ? JSON.parse(enginesJson) : [];
  }

  function renderAll(textsJson, varsJson, maxOutput, enginesJson) {
    return JSON.stringify(renderEach(JSON.parse(textsJson), JSON.parse(varsJson), { total: 0 }, maxOutput, enginesOf(enginesJson)));
  }

  // The same templates for many rows (a run's or an estimate's rows), in one call.
  function renderRows(textsJson, rowsJson, maxOutput, enginesJson) {
    var texts = JSON.parse(textsJson);
    var rows = JSON.parse(rowsJson);
    var engines = enginesOf(enginesJson);
    var state = { total: 0 };
    var out = [];
    for (var r = 0; r < rows.length; r++) out.push(renderEach(texts, rows[r], state, maxOutput, engines));
    return JSON.stringify(out);
  }

  // Tests a pattern (as promptfoo's regex check builds it) against a text.
  function regexTest(pattern, flags, text) {
    return new RegExp(pattern, flags).test(text);
  }

  // Runs user code as a function of the named parameters; arguments and result cross as JSON.
  // Promises are refused: a check must return its answer, not wait for anything.
  function runCode(paramsJson, body, argsJson, maxOutput) {
    var params = JSON.parse(paramsJson);
    var fn = Function.apply(undefined, params.concat([body]));
    var value = fn.apply(undefined, JSON.parse(argsJson));
    if (value !== null && typeof value === 'object' && typeof value.then === 'function') {
      throw new TypeError('the code returned a Promise; return the value itself (the sandbox has nothing to wait for)');
    }
    var kind = value === undefined ? 'undefined' : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    var json;
    if (kind === 'number') json = Number.isFinite(value) ? JSON.stringify(value) : 'null';
    else if (kind === 'function' || kind === 'symbol' || kind === 'bigint' || kind === 'undefined') json = 'null';
    else json = JSON.stringify(value);
    if (json === undefined) json = 'null';
    if (json.length > maxOutput) throw tooLarge('The result', json.length, maxOutput);
    return JSON.stringify({ kind: kind, json: json, text: kind === 'string' ? value : '' });
  }

  // Compiles templates ahead of rendering them (under a budget that grows with their length);
  // a template that does not compile is left for the render to report.
  function compileAll(textsJson, enginesJson) {
    var texts = JSON.parse(textsJson);
    var engines = enginesOf(enginesJson);
    for (var i = 0; i < texts.length; i++) {
      try {
        templateOf(texts[i], engines[i]);
      } catch (error) {
        // Reported when rendered.
      }
    }
    return 0;
  }

  // Loads filter files ([{ name, source }], CommonJS or \`export default\`) as promptfoo would
  // require them; every one must give a function, or none is kept.
  function setFilters(filtersJson) {
    var list = JSON.parse(filtersJson);
    var next = new Map();
    for (var i = 0; i < list.length; i++) {
      var source = String(list[i].source).replace(/^\s*export\s+default\s+/m, 'module.exports = ');
      var module = { exports: {} };
      Function('module', 'exports', source)(module, module.exports);
      var fn = module.exports;
      if (typeof fn !== 'function' && fn !== null && typeof fn === 'object' && typeof fn.default === 'function') fn = fn.default;
      if (typeof fn !== 'function') throw new TypeError('the file exports ' + (fn === null ? 'null' : typeof fn) + ', not a function');
      next.set(String(list[i].name), fn);
    }
    customFilters.clear();
    next.forEach(function (fn, name) {
      customFilters.set(name, fn);
    });
    return next.size;
  }

  function countCompiles() {
    return compiles;
  }

  function clearTemplates() {
    templates.clear();
    return 0;
  }

  var api = Object.freeze({ render: render, renderAll: renderAll, renderRows: renderRows, compileAll: compileAll, regexTest: regexTest, runCode: runCode, setFilters: setFilters, compiles: countCompiles, clear: clearTemplates });

  // Freeze everything reachable from the global object and the environment.
  var seen = new Set();
  function harden(root) {
    var stack = [root];
    while (stack.length > 0) {
      var value = stack.pop();
      if ((typeof value !== 'object' && typeof value !== 'function') || value === null || seen.has(value)) continue;
      seen.add(value);
      var keys = Reflect.ownKeys(value);
      for (var i = 0; i < keys.length; i++) {
        var desc = Reflect.getOwnPropertyDescriptor(value, keys[i]);
        if (!desc) continue;
        if ('value' in desc) stack.push(desc.value);
        if (desc.get) stack.push(desc.get);
        if (desc.set) stack.push(desc.set);
      }
      stack.push(Reflect.getPrototypeOf(value));
      // Shadowing an inherited frozen property by assignment fails in JavaScript (the
      // "override mistake"): Nunjucks sets err.name and err.message on its own errors. Turn
      // such properties into accessors whose setter defines an own property instead.
      if (typeof value === 'object' || typeof value === 'function') tameOverrides(value);
      Object.freeze(value);
    }
  }

  // Properties that code commonly shadows by assignment on an instance (err.name = …,
  // this.length = … in Nunjucks' SafeString), and every property that holds a plain value.
  var OVERRIDABLE = ['name', 'message', 'constructor', 'toString', 'valueOf', 'toJSON', 'stack', 'lineno', 'colno', 'length'];
  function tameOverrides(object) {
    var keys = Reflect.ownKeys(object);
    for (var i = 0; i < keys.length; i++) {
      var key = keys[i];
      if (key === 'prototype') continue;
      var desc = Reflect.getOwnPropertyDescriptor(object, key);
      if (!desc || !('value' in desc) || !desc.configurable || !desc.writable) continue;
      var plain = desc.value === null || (typeof desc.value !== 'object' && typeof desc.value !== 'function');
      if (!plain && OVERRIDABLE.indexOf(key) < 0) continue;
      (function (key, stored, owner, enumerable) {
        Reflect.defineProperty(owner, key, {
          configurable: false,
          enumerable: enumerable,
          get: function () { return stored; },
          set: function (next) {
            if (this === owner) throw new TypeError('Cannot change the shared ' + String(key));
            Reflect.defineProperty(this, key, { value: next, writable: true, enumerable: true, configurable: true });
          },
        });
      })(key, desc.value, object, desc.enumerable);
    }
  }

  // Objects only syntax reaches: iterator, generator and async function prototypes.
  function hiddenIntrinsics() {
    var found = [];
    function add(make) {
      try {
        found.push(make());
      } catch (error) {
        // Not in this engine: nothing to freeze.
      }
    }
    add(function () { return Object.getPrototypeOf([][Symbol.iterator]()); });
    add(function () { return Object.getPrototypeOf(new Map().entries()); });
    add(function () { return Object.getPrototypeOf(new Set().values()); });
    add(function () { return Object.getPrototypeOf(''[Symbol.iterator]()); });
    add(function () { return Object.getPrototypeOf(/a/g[Symbol.matchAll]('')); });
    add(function () { return Object.getPrototypeOf(function* () {}); });
    add(function () { return Object.getPrototypeOf(function* () {}()); });
    add(function () { return Object.getPrototypeOf(async function () {}); });
    add(function () { return Object.getPrototypeOf(async function* () {}); });
    add(function () { return Object.getPrototypeOf(async function* () {}()); });
    add(function () { return Object.getPrototypeOf(Int8Array); });
    add(function () { return (function () { return arguments; })(); });
    return found;
  }

  // Nunjucks is left reachable only through this closure and what templates are handed (its
  // globals range, cycler and joiner; the render context, whose env is the one environment;
  // what filters return, such as SafeString): all of it is frozen, with the language's own
  // objects, so nothing one template does can change how another renders.
  harden(env);
  harden(nj);
  harden(mu);
  delete globalThis.nunjucks;
  delete globalThis.Mustache;
  harden(globalThis);
  hiddenIntrinsics().forEach(harden);
  return api;
})()
`;
