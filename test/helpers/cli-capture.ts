import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI's `main()` from the sources, run as a user's shell would in `cwd`, with what it
 * wrote to stdout and stderr captured. `env` is the whole environment it sees (none of
 * the test process's unless passed).
 */
export async function runCli(
  argv: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd,
    env,
  });
  return { code, stdout, stderr };
}
