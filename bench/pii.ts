// `node node_modules/jiti/lib/jiti-cli.mjs bench/pii.ts [--misses]`: precision and recall of the
// personal-data scanner (src/main/pii) on tests/fixtures/pii/labelled.jsonl, per kind and
// overall, and how long a scan takes. Not a test: figures only (tests/unit/pii-labelled.test.ts
// asserts floors a little below them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PII_KINDS } from '../src/shared/pii/kinds';
import { PiiScanner } from '../src/main/pii/scanner';
import { readLabelled, scoreScanner } from '../src/main/pii/score';

const rows = readLabelled(readFileSync(join(import.meta.dirname, '..', 'tests', 'fixtures', 'pii', 'labelled.jsonl'), 'utf8'));
const pct = (x: number): string => `${(x * 100).toFixed(1)} %`;
const scanner = new PiiScanner();

async function table(title: string, subset: typeof rows): Promise<void> {
  const started = performance.now();
  const score = await scoreScanner(scanner, subset);
  const ms = performance.now() - started;
  const langs = [...new Set(subset.map((r) => r.lang))].join(', ');
  console.log(`\n${title}: ${subset.length} sentences (${langs}), ${subset.reduce((n, r) => n + r.spans.length, 0)} labelled spans, ${subset.filter((r) => r.spans.length === 0).length} with none`);
  console.log('| kind | labelled | found right | wrong finds | precision | recall |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const kind of PII_KINDS) {
    const s = score.byKind[kind];
    if (s.tp + s.fn + s.fp === 0) continue;
    console.log(`| ${kind} | ${s.tp + s.fn} | ${s.tp} | ${s.fp} | ${pct(s.precision)} | ${pct(s.recall)} |`);
  }
  const o = score.overall;
  console.log(`| **overall** | ${o.tp + o.fn} | ${o.tp} | ${o.fp} | ${pct(o.precision)} | ${pct(o.recall)} |`);
  console.log(`scan time: ${(ms / subset.length).toFixed(1)} ms a sentence`);
  if (process.argv.includes('--misses')) for (const m of score.misses) console.log(JSON.stringify(m));
}

await table('Templated set (the detectors were tuned on it)', rows.filter((r) => r.split === undefined));
await table('Held-out set (written afterwards, not tuned on)', rows.filter((r) => r.split === 'held-out'));
