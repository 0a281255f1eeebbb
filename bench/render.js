// `npm run bench:render`: what rendering in the sandbox costs per cell, against Nunjucks run
// directly in this process (what Parallax did before templates moved into the sandbox). Not a
// test: it prints figures next to the target (the sandbox adds at most 0.2 ms per cell, median).
//
//   npm run bench:render
//   npm run bench:render -- --cells 20000
//
// The matrix is `npm run bench`'s: the prompt it writes, with a row per cell from a table of
// products and audiences, plus a second, heavier template (a system message, a loop over
// few-shot examples, filters) as prompt engineers write them. Two figures for each: a run's
// rendering (rows go to the sandbox in batches, as runs and estimates render them; time per
// cell over several rounds, median of the rounds) and one cell alone (as the preview renders
// the selected row; each cell timed on its own, median).
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nunjucks from 'nunjucks';
import { createServer } from 'vite';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { cells: { type: 'string', default: '10000' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('Usage: npm run bench:render -- [--cells <n>]');
  process.exit(0);
}
const CELLS = Number(values.cells);
const TARGET_MS = 0.2;

const TEMPLATES = {
  'bench matrix (npm run bench)': [{ role: 'user', content: 'Write a one-sentence product blurb for {{product}}, aimed at {{audience}}.' }],
  'few-shot with filters': [
    { role: 'system', content: 'You are a careful copywriter for {{ brand | upper }}. Answer in {{ language | default("English") }}.' },
    { role: 'user', content: '{% for ex in examples %}Product: {{ ex.product }}\nBlurb: {{ ex.blurb | trim }}\n\n{% endfor %}Product: {{ product }}\nAudience: {{ audience }}\nBlurb:' },
  ],
};
const examples = [
  { product: 'a kettle', blurb: ' Boils before you miss it. ' },
  { product: 'a lamp', blurb: 'Light where you read, not where you sleep.' },
];
const rows = Array.from({ length: CELLS }, (_, i) => ({ product: `product number ${i + 1}`, audience: `audience ${(i % 7) + 1}`, brand: 'acme', examples }));

function median(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
function p95(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)];
}

// Nunjucks in this process, configured as the app configured it (no autoescape, no loaders).
const env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: false });
const compiled = new Map();
function direct(messages, vars) {
  return messages.map((m) => {
    if (!m.content.includes('{')) return { role: m.role, content: m.content };
    let t = compiled.get(m.content);
    if (!t) compiled.set(m.content, (t = new nunjucks.Template(m.content, env, undefined, true)));
    return { role: m.role, content: t.render(vars) };
  });
}

const vite = await createServer({ root, configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false }, appType: 'custom', optimizeDeps: { noDiscovery: true, include: [] } });
try {
  const { renderMessages, renderMessagesRows } = await vite.ssrLoadModule('/src/main/template/render.ts');
  console.log(`Rendering ${CELLS} cells per template; median and p95 per cell, in ms (target: the sandbox adds at most ${TARGET_MS} ms per cell, median).\n`);
  for (const [name, messages] of Object.entries(TEMPLATES)) {
    // Warm both (compile once, let the JIT settle), and check they agree.
    for (let i = 0; i < 200; i++) {
      const a = JSON.stringify(direct(messages, rows[i % rows.length]));
      const b = JSON.stringify(renderMessages(messages, rows[i % rows.length]));
      if (a !== b) throw new Error(`The sandbox rendered differently:\n${a}\n${b}`);
    }
    const inProcess = [];
    const sandboxed = [];
    for (const vars of rows) {
      let t = performance.now();
      direct(messages, vars);
      inProcess.push(performance.now() - t);
      t = performance.now();
      renderMessages(messages, vars);
      sandboxed.push(performance.now() - t);
    }
    // A run's rendering: all rows, batched; per-cell time of each round.
    const runDirect = [];
    const runSandboxed = [];
    for (let round = 0; round < 7; round++) {
      let t = performance.now();
      for (const vars of rows) direct(messages, vars);
      runDirect.push((performance.now() - t) / rows.length);
      t = performance.now();
      const outcomes = renderMessagesRows(messages, rows);
      runSandboxed.push((performance.now() - t) / rows.length);
      if (outcomes.some((o) => 'error' in o)) throw new Error('A row failed to render in the sandbox');
    }
    const addedRun = median(runSandboxed) - median(runDirect);
    const added = median(sandboxed) - median(inProcess);
    console.log(`${name} (${messages.length} message${messages.length > 1 ? 's' : ''})`);
    console.log(`  a run (${CELLS} rows, batched), per cell:  in process ${median(runDirect).toFixed(4)}  sandbox ${median(runSandboxed).toFixed(4)}  added ${addedRun.toFixed(4)} ms  ${addedRun <= TARGET_MS ? 'within' : 'OVER'} the ${TARGET_MS} ms target`);
    console.log(`  one cell alone (preview), median:       in process ${median(inProcess).toFixed(4)}  sandbox ${median(sandboxed).toFixed(4)}  added ${added.toFixed(4)} ms (p95 ${p95(sandboxed).toFixed(4)})\n`);
  }
} finally {
  await vite.close();
}
