// A local OpenAI-compatible server for `npm run bench`: fixed latency before the first token,
// then a fixed streaming rate. node:http only, loopback only.
//
//   node bench/fake-server.js [--port 0] [--ttft-ms 100] [--chunks 10] [--chunk-interval-ms 5]
//
// POST /v1/chat/completions answers `stream: true` with SSE (role, content chunks, a
// finish_reason chunk, a usage chunk when stream_options.include_usage is set, then [DONE]) and
// `stream: false` with one JSON body after the same total latency. GET /v1/models lists one
// model. Chunks are scheduled against absolute times from the request's arrival, so timer
// overshoot does not add up over a response.
//
// Started by bench/run.js with fork(): it reports {type:'ready', port} over IPC, answers
// {type:'stats'} with its counters, and exits when the parent goes away. Started by hand, it
// prints its base URL and runs until Ctrl+C.
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'ttft-ms': { type: 'string', default: '100' },
    chunks: { type: 'string', default: '10' },
    'chunk-interval-ms': { type: 'string', default: '5' },
  },
  strict: true,
});

function count(name, min) {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) {
    process.stderr.write(`fake-server: --${name} must be a number ≥ ${min} (got "${values[name]}")\n`);
    process.exit(2);
  }
  return n;
}

const host = values.host;
if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
  process.stderr.write('fake-server: loopback only (127.0.0.1, localhost or ::1)\n');
  process.exit(2);
}
const port = count('port', 0);
const ttftMs = count('ttft-ms', 0);
const chunks = Math.max(1, Math.floor(count('chunks', 1)));
const intervalMs = count('chunk-interval-ms', 0);
const MODEL = 'bench-model';
const MAX_BODY_BYTES = 1 << 20;

/** The answer, cut into `chunks` pieces; its text is the same for every request. */
const pieces = Array.from({ length: chunks }, (_, i) => `tok${i} `);
const ANSWER = pieces.join('');
const completionTokens = chunks;

const stats = { requests: 0, completed: 0, aborted: 0, inFlight: 0, maxInFlight: 0, serviceMsTotal: 0, errors: 0 };

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const parts = [];
    let size = 0;
    req.on('data', (part) => {
      size += part.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      parts.push(part);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function promptTokensOf(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const chars = messages.reduce((sum, m) => sum + (typeof m?.content === 'string' ? m.content.length : 0), 0);
  return Math.max(1, Math.ceil(chars / 4)) + 3 * messages.length;
}

async function chat(req, res, arrived) {
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    stats.errors++;
    sendJson(res, 400, { error: { message: `bad request body: ${error.message}`, type: 'invalid_request_error' } });
    return;
  }
  const id = `chatcmpl-bench-${stats.requests}`;
  const created = Math.floor(Date.now() / 1000);
  const model = typeof body.model === 'string' ? body.model : MODEL;
  const usage = { prompt_tokens: promptTokensOf(body), completion_tokens: completionTokens, total_tokens: 0 };
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  let timer;
  let closed = false;
  stats.inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  const settle = (completed) => {
    if (closed) return;
    closed = true;
    stats.inFlight--;
    if (completed) {
      stats.completed++;
      stats.serviceMsTotal += performance.now() - arrived;
    } else {
      stats.aborted++;
    }
    clearTimeout(timer);
  };
  res.on('close', () => settle(false));
  // At `ms` after arrival, run `work`. One timer at a time, each set by the step before it,
  // so the steps of a response run in order whatever the timers do under load.
  const at = (ms, work) => {
    timer = setTimeout(() => {
      if (closed || res.destroyed || res.writableEnded) return;
      try {
        work();
      } catch (error) {
        stats.errors++;
        process.stderr.write(`fake-server: ${error.message}\n`);
        res.destroy();
      }
    }, Math.max(0, arrived + ms - performance.now()));
  };

  if (body.stream !== true) {
    at(ttftMs + (chunks - 1) * intervalMs, () => {
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop', logprobs: null }],
        usage,
      });
      settle(true);
    });
    return;
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const event = (choices, extra = {}) => `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`;
  const step = (i) => {
    if (i === 0) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(event([{ index: 0, delta: { role: 'assistant', content: pieces[0] }, finish_reason: null }]));
    } else {
      res.write(event([{ index: 0, delta: { content: pieces[i] }, finish_reason: null }]));
    }
    if (i + 1 < chunks) {
      at(ttftMs + (i + 1) * intervalMs, () => step(i + 1));
      return;
    }
    let tail = event([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    if (includeUsage) tail += event([], { usage });
    tail += 'data: [DONE]\n\n';
    res.end(tail);
    settle(true);
  };
  at(ttftMs, () => step(0));
}

const server = createServer((req, res) => {
  const arrived = performance.now();
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
    sendJson(res, 200, { object: 'list', data: [{ id: MODEL, object: 'model', created: 0, owned_by: 'parallax-bench' }] });
    return;
  }
  if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
    stats.requests++;
    chat(req, res, arrived).catch((error) => {
      stats.errors++;
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'server_error' } });
      else res.destroy();
    });
    return;
  }
  sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: 'invalid_request_error' } });
});
// Longer than undici's keep-alive so the client, not the server, closes idle sockets.
server.keepAliveTimeout = 10_000;

server.listen(port, host, () => {
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  if (process.send) {
    process.send({ type: 'ready', port: actualPort, ttftMs, chunks, intervalMs, answer: ANSWER });
  } else {
    process.stdout.write(`fake OpenAI server on http://${host}:${actualPort}/v1 (first token after ${ttftMs} ms, ${chunks} chunks ${intervalMs} ms apart)\n`);
  }
});

if (process.send) {
  process.on('message', (message) => {
    if (message?.type === 'stats') process.send?.({ type: 'stats', stats: { ...stats } });
    if (message?.type === 'reset') {
      Object.assign(stats, { requests: 0, completed: 0, aborted: 0, maxInFlight: stats.inFlight, serviceMsTotal: 0, errors: 0 });
      process.send?.({ type: 'reset' });
    }
  });
  // The bench went away (even by SIGKILL): do not linger.
  process.on('disconnect', () => process.exit(0));
}
const quit = () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', quit);
// Ctrl+C reaches the whole process group; under the bench, the bench decides when to stop us.
process.on('SIGINT', process.send ? () => {} : quit);
