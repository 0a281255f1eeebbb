/** `parallax eval` and friends run in-process, as the integration tests call them, with what they print captured. */
import { runCli, type CliIo } from '../../src/main/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCliCaptured(args: string[], options: { cwd: string; env?: CliIo['env'] }): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: options.env ?? {},
    cwd: options.cwd,
  };
  const code = await runCli(args, io, '9.9.9-test');
  return { code, stdout, stderr };
}
