/**
 * Built to out/main/cli.js and started by bin/parallax.js on Node ≥ 22.13.
 * Ctrl+C once stops the run (finished cells are kept and written); twice quits at once.
 */
import { APP_VERSION } from '../version';
import { EXIT_FAILED, runCli } from './main';

const controller = new AbortController();
let interrupts = 0;
const onInterrupt = (): void => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\nStopping: requests in flight are cancelled; finished cells are kept. Press Ctrl+C again to quit at once.\n');
  controller.abort();
};
process.on('SIGINT', onInterrupt);
process.on('SIGTERM', onInterrupt);

let code: number;
try {
  code = await runCli(
    process.argv.slice(2),
    {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    },
    APP_VERSION,
  );
} catch (error) {
  process.stderr.write(`parallax: ${error instanceof Error ? error.message : String(error)}\n`);
  code = EXIT_FAILED;
}
process.exitCode = controller.signal.aborted && code !== 2 ? 130 : code;
// Idle keep-alive sockets must not hold the process open after the work is done.
setTimeout(() => process.exit(process.exitCode ?? code), 500).unref();
