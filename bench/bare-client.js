// The floor `parallax eval` is measured against (issue 14): the same chat requests to the same
// server, as the least a program can do to get them answered — fetch, read the SSE stream, keep
// the answer text; no SDK, no templates, no storage, no results file.
//
//   node bench/bare-client.js --url http://127.0.0.1:PORT/v1 --cells 1000 -j 16
//
// Prints one JSON line: {cells, ok, wallMs}. bench/run.js runs it as a child process and
// measures its CPU and memory from /proc, the same way as the CLI's.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    cells: { type: 'string', default: '1000' },
    concurrency: { type: 'string', short: 'j', default: '16' },
    key: { type: 'string', default: 'bench-dummy-key-not-a-secret' },
  },
  strict: true,
});
if (!values.url) {
  process.stderr.write('bare-client: --url is required\n');
  process.exit(2);
}
const cells = Number(values.cells);
const concurrency = Number(values.concurrency);
const endpoint = `${values.url.replace(/\/$/, '')}/chat/completions`;
// The same prompt the bench's config renders, with the row filled in by plain string work.
const PROMPT = 'Write a one-sentence product blurb for {{product}}, aimed at {{audience}}.';

async function one(i) {
  const content = PROMPT.replace('{{product}}', `product number ${i + 1}`).replace('{{audience}}', `audience ${(i % 7) + 1}`);
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${values.key}` },
    body: JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok || !response.body) throw new Error(`status ${response.status}`);
  const decoder = new TextDecoder();
  let buffered = '';
  let answer = '';
  for await (const bytes of response.body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      if (!event.startsWith('data: ')) continue;
      const data = event.slice(6);
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data);
      answer += chunk.choices?.[0]?.delta?.content ?? '';
    }
  }
  return answer;
}

const started = performance.now();
let next = 0;
let ok = 0;
async function worker() {
  while (next < cells) {
    const i = next++;
    if ((await one(i)) !== '') ok++;
  }
}
await Promise.all(Array.from({ length: Math.min(concurrency, cells) }, worker));
process.stdout.write(`${JSON.stringify({ cells, ok, wallMs: performance.now() - started })}\n`);
