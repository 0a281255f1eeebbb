/**
 * The headless front door: `parallax eval -c promptfooconfig.yaml -o results.json`,
 * `parallax export --prompt <name> --format prompty -o file`, `parallax import <file>`.
 * Argument parsing lives here, apart from entry.ts, so tests can run the CLI in-process.
 *
 * Exit codes: 0 every cell succeeded (or the file was written / imported); 1 a cell failed
 * (or an output could not be written); 2 the command line, the config or the file is wrong
 * (nothing was run, written or imported).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Environment } from '../secrets/secrets';
import { dataDirWarning, defaultDataDir } from '../data-dir';
import { MAX_REPEATS } from '../../shared/schemas';
import { DEFAULT_MAX_CONCURRENCY, runEval } from './eval';
import { parseKeyHostApproval, type KeyHostApproval } from '../../shared/key-hosts';
import { runExportCommand } from './export';
import { runImportCommand } from './import';
import { maxAnswerBytesProblem, parseByteSize } from '../runner/answer-cap';
import { TIMEOUT_KINDS, TIMEOUT_NAMES, parseDuration, timeoutProblem, type ProviderTimeouts } from '../../shared/timeouts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Environment;
  cwd: string;
  /** Aborting it stops the run (Ctrl+C); finished cells are kept and written. */
  signal?: AbortSignal;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export { DEFAULT_MAX_CONCURRENCY };
const MAX_CONCURRENCY_LIMIT = 1000;
const DEFAULT_CONFIGS = ['promptfooconfig.yaml', 'promptfooconfig.yml', 'promptfooconfig.json'];

export const USAGE = `Usage: parallax eval [-c <config>] [-o <file>]... [--data-dir <dir>] [-j <n>] [--repeat <n>] [--no-cache]
                     [--allow-key-host <VAR>=<host>]... [--allow-files <dir>]... [--resume <run id>] [--batch]
       parallax export --prompt <name> --format <format> [--version <n|label|latest>] [-o <file>] [--data-dir <dir>]
       parallax import <file> [--name <name>] [--data-dir <dir>]

parallax eval runs every prompt × provider × test of a promptfoo-style config, keeps the
run in the Parallax database (History in the app shows it), and writes the results.

Options of eval:
  -c, --config <file>          config file (default: ./promptfooconfig.yaml)
  -o, --output <file>          write results; .json (promptfoo's format), .jsonl or .csv;
                               repeat for several files
      --data-dir <dir>         where runs are stored (default: $PARALLAX_DATA_DIR, else the
                               app's data folder)
  -j, --max-concurrency <n>    requests in flight at most (default: evaluateOptions.maxConcurrency,
                               else ${DEFAULT_MAX_CONCURRENCY})
      --repeat <n>             ask each prompt × provider × test n times (default:
                               evaluateOptions.repeat, else 1); repeats never come from the cache
      --no-cache               ask every request anew; by default an unchanged request is
                               answered from the response cache in the data folder
      --max-answer-bytes <n>   keep at most n bytes of each answer (e.g. 262144, 512K, 4M; from
                               1K to 64M); the rest is read, counted and cut with a mark
                               (default: the app's Settings → Answers, else 1M)
      --timeout-connect <d>    how long to wait for a connection (default 10s)
      --timeout-first-byte <d> how long to wait for the first byte of an answer (default 30s)
      --timeout-idle <d>       how long a streamed answer may pause (default 60s)
      --timeout-total <d>      how long a cell may take, retries included (default 10m);
                               a duration such as 500ms, 30s, 10m or 1h, for every provider,
                               over the config's config.timeout / config.timeouts
      --pass-on-failed-checks  exit 0 when checks (assert) fail; by default eval exits 100,
                               as promptfoo does (failed requests always exit 1)
      --allow-key-host <VAR>=<host>
                               let the key in environment variable VAR go to host (or
                               *.domain) too; repeat for more. Without it a key goes only to
                               the host it belongs to (OPENAI_API_KEY to api.openai.com, …),
                               to this machine (localhost, 127.0.0.1, ::1), or to a host
                               allowed in the app (Settings → Keys for other hosts)
      --allow-files <dir>      let the config's file:// references read inside dir too; by
                               default they read only inside the config's own folder
      --resume <run id>        finish an interrupted run of this config (killed, crashed, or
                               its machine went down) instead of starting a new one: only
                               the cells that never finished are asked, with the providers
                               the run recorded and keys looked up again by the rules above.
                               Running a config that has an interrupted run prints its id
                               and this command, then starts a new run
      --batch                  send the cells of OpenAI (Chat Completions) and Anthropic
                               providers through their batch engines (OpenAI's Batch API,
                               Anthropic's Message Batches): half the price, answered within
                               24 hours; eval polls until they are done, printing progress.
                               Ctrl+C leaves the job running at the vendor and recorded:
                               --resume <run id> picks it up without sending it again
  -h, --help                   show this help
  -v, --version                show the version

Config: prompts (inline text, chat JSON, or file://prompt.txt|.json), providers (echo,
openai:chat:<model>, openai:<model>, openai:responses:<model>, anthropic:messages:<model>,
google:<model>, with config.apiBaseUrl, config.apiKeyEnvar and parameters such as
temperature, top_p, max_tokens, seed, stop, response_format, tools, tool_choice, thinking,
reasoning, generationConfig),
tests (inline vars and assert, or file://tests.csv|.jsonl|.json), defaultTest.vars and
defaultTest.assert, evaluateOptions.repeat. Checks: equals, contains, icontains,
contains-any/-all, regex, starts-with, is-json, contains-json, is-valid-json-schema,
levenshtein, bleu, rouge-n, rouge-l, latency, cost, llm-rubric, javascript,
is-valid-openai-tools-call, tool-call, word-count, finish-reason (each also not-…),
assert-set; weight, metric, a test's threshold and options.transform/postprocess; the
llm-rubric grader is defaultTest.options.provider. Templates are Nunjucks, as in promptfoo. Keys come from
OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY (or GOOGLE_API_KEY), or the variable named by apiKeyEnvar, and go only where --allow-key-host
says; a config that would send one elsewhere, or read a file outside its folder, is
refused (exit 2) before anything is sent.

parallax export writes a library prompt (its latest version, or the one given) as a file.
  -p, --prompt <name>          the prompt's name in the library (case does not matter)
      --version <ref>          a version number, a label such as production, or latest
                               (default latest)
  -f, --format <format>        prompty, promptfoo-json, promptfoo-text, openai-chat,
                               markdown, typescript, python or curl
  -o, --output <file>          where to write it (default: standard output)
      --data-dir <dir>         the library's folder (as for eval)

parallax import adds a file to the library as a new prompt: .prompty, .json (a chat array
or OpenAI chat JSON), .txt or .j2 (one message), .md (Markdown with front matter). A
promptfooconfig (.yaml, .yml) adds each of its prompts as "<description or file name> #<n>",
with its first test's variables as the sample. A file with an error imports nothing.
  -n, --name <name>            the new prompt's name (default: the name in the file); for a
                               config, the start of each prompt's name
      --data-dir <dir>         the library's folder (as for eval)

No export contains an API key; code snippets read the key from an environment variable.

Exit status: 0 done (for eval: all cells succeeded), 1 some cells failed or a file could
not be written, 2 the command line, the config or the file is wrong (nothing was done).
`;

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The data folder: --data-dir, else $PARALLAX_DATA_DIR, else the app's folder. A chosen folder
 * that holds other files keeps its permissions, and stderr says so (once: a command calls this once).
 */
export function dataDirOf(dataDirOption: string | undefined, io: CliIo): string {
  const dataDirArg = dataDirOption ?? io.env['PARALLAX_DATA_DIR'];
  if (!dataDirArg) return defaultDataDir(io.env);
  const dataDir = resolve(io.cwd, dataDirArg);
  const warning = dataDirWarning(dataDir);
  if (warning !== undefined) io.stderr(`warning: ${warning}\n`);
  return dataDir;
}

/** Commands that read their own options (export's --version takes a value; the app's does not). */
type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

function ownCommand(name: string | undefined): Command | undefined {
  if (name === 'export') return runExportCommand;
  if (name === 'import') return runImportCommand;
  return undefined;
}

export async function runCli(argv: readonly string[], io: CliIo, version: string): Promise<number> {
  const own = ownCommand(argv[0]);
  if (own) return own(argv.slice(1), io);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        output: { type: 'string', short: 'o', multiple: true },
        'data-dir': { type: 'string' },
        'max-concurrency': { type: 'string', short: 'j' },
        repeat: { type: 'string' },
        'no-cache': { type: 'boolean' },
        'max-answer-bytes': { type: 'string' },
        'pass-on-failed-checks': { type: 'boolean' },
        'timeout-connect': { type: 'string' },
        'timeout-first-byte': { type: 'string' },
        'timeout-idle': { type: 'string' },
        'timeout-total': { type: 'string' },
        'allow-key-host': { type: 'string', multiple: true },
        'allow-files': { type: 'string', multiple: true },
        resume: { type: 'string' },
        batch: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr(`parallax: ${errorMessage(error)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (values.version) {
    io.stdout(`${version}\n`);
    return EXIT_OK;
  }
  const [command, ...rest] = positionals;
  if (command === undefined) {
    io.stderr(`parallax: no command given.\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (command === 'help') {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  if (ownCommand(command)) {
    io.stderr(`parallax: put the options after the command, e.g. parallax ${command} … --data-dir <dir>.\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (command !== 'eval') {
    io.stderr(`parallax: unknown command "${command}"; the commands are eval, export and import.\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (rest.length > 0) {
    io.stderr(`parallax: unexpected argument "${rest[0] ?? ''}"; give the config with -c <file>.\n`);
    return EXIT_USAGE;
  }

  let maxConcurrency: number | undefined;
  const j = values['max-concurrency'];
  if (j !== undefined) {
    maxConcurrency = Number(j);
    if (!/^\d+$/.test(j.trim()) || !Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > MAX_CONCURRENCY_LIMIT) {
      io.stderr(`parallax: -j/--max-concurrency must be a whole number from 1 to ${MAX_CONCURRENCY_LIMIT} (got "${j}").\n`);
      return EXIT_USAGE;
    }
  }
  let repeat: number | undefined;
  if (values.repeat !== undefined) {
    repeat = Number(values.repeat);
    if (!/^\d+$/.test(values.repeat.trim()) || repeat < 1 || repeat > MAX_REPEATS) {
      io.stderr(`parallax: --repeat must be a whole number from 1 to ${MAX_REPEATS} (got "${values.repeat}").\n`);
      return EXIT_USAGE;
    }
  }

  let maxAnswerBytes: number | undefined;
  if (values['max-answer-bytes'] !== undefined) {
    maxAnswerBytes = parseByteSize(values['max-answer-bytes']);
    const problem = maxAnswerBytesProblem(maxAnswerBytes);
    if (problem !== undefined) {
      io.stderr(`parallax: --max-answer-bytes must be ${problem} (got "${values['max-answer-bytes']}").\n`);
      return EXIT_USAGE;
    }
  }

  const timeouts: ProviderTimeouts = {};
  for (const kind of TIMEOUT_KINDS) {
    const { flag } = TIMEOUT_NAMES[kind];
    const text = values[flag.slice(2) as 'timeout-connect' | 'timeout-first-byte' | 'timeout-idle' | 'timeout-total'];
    if (text === undefined) continue;
    const ms = parseDuration(text);
    const problem = ms === undefined ? 'a duration such as 500ms, 30s, 10m or 1h' : timeoutProblem(kind, ms);
    if (ms === undefined || problem !== undefined) {
      io.stderr(`parallax: ${flag} must be ${problem?.replace(/^[^:]+: /, '') ?? ''} (got "${text}").\n`);
      return EXIT_USAGE;
    }
    timeouts[kind] = ms;
  }

  const allowKeyHosts: KeyHostApproval[] = [];
  for (const text of values['allow-key-host'] ?? []) {
    try {
      allowKeyHosts.push(parseKeyHostApproval(text));
    } catch (error) {
      io.stderr(`parallax: ${errorMessage(error)}.\n`);
      return EXIT_USAGE;
    }
  }
  const allowFiles = values['allow-files'] ?? [];
  const missingDir = allowFiles.find((dir) => !existsSync(resolve(io.cwd, dir)));
  if (missingDir !== undefined) {
    io.stderr(`parallax: --allow-files ${missingDir}: no such folder.\n`);
    return EXIT_USAGE;
  }

  let configPath = values.config;
  if (configPath === undefined) {
    configPath = DEFAULT_CONFIGS.find((name) => existsSync(resolve(io.cwd, name)));
    if (configPath === undefined) {
      io.stderr(
        values.resume !== undefined
          ? `parallax: --resume needs the config the run was started with (for its results): parallax eval -c <config.yaml> --resume ${values.resume}.\n`
          : `parallax: no config given and no ${DEFAULT_CONFIGS[0] ?? 'config'} here; run parallax eval -c <config.yaml>.\n`,
      );
      return EXIT_USAGE;
    }
  }

  const dataDir = dataDirOf(values['data-dir'], io);

  const outcome = await runEval({
    configPath,
    outputs: values.output ?? [],
    dataDir,
    ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
    ...(repeat !== undefined ? { repeat } : {}),
    cache: values['no-cache'] !== true,
    ...(maxAnswerBytes !== undefined ? { maxAnswerBytes } : {}),
    passOnFailedChecks: values['pass-on-failed-checks'] === true,
    ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
    allowKeyHosts,
    allowFiles,
    env: io.env,
    cwd: io.cwd,
    version,
    log: io.stderr,
    ...(io.signal ? { signal: io.signal } : {}),
    ...(values.resume !== undefined ? { resume: values.resume.trim() } : {}),
    ...(values.batch === true ? { batch: true } : {}),
  });
  return outcome.exitCode;
}
