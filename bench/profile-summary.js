// Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof <dir>`): the functions and the
// files/packages with the most self time.
//
//   node bench/profile-summary.js <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true, strict: true });
const file = positionals[0];
if (!file) {
  process.stderr.write('Usage: node bench/profile-summary.js <file.cpuprofile> [--top 25]\n');
  process.exit(2);
}
const top = Math.max(1, Number(values.top) || 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

function where(url) {
  if (!url) return '(native/VM)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const out = url.indexOf('/out/');
  return out >= 0 ? url.slice(out + 1) : url.replace(/^file:\/\//, '');
}

const byFunction = new Map();
const byPlace = new Map();
for (const [id, us] of selfUs) {
  const node = nodes.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = `${functionName || '(anonymous)'}  ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  const place = where(url);
  byPlace.set(place, (byPlace.get(place) ?? 0) + us);
}

const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const pct = (us) => `${((100 * us) / totalUs).toFixed(1)}%`.padStart(6);
const list = (map) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => `${ms(us)} ms ${pct(us)}  ${name}`)
    .join('\n');

process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms profiled\n\nSelf time by function:\n${list(byFunction)}\n\nSelf time by file or package:\n${list(byPlace)}\n`);
