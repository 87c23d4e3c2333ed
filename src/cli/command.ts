/** A CLI sub-command: parses its own argv (after the command words) and returns an exit status. */
export interface CliCommand {
  /** e.g. `gate`, or `audit verify` for nested commands. */
  name: string;
  /** One line, shown in `airlock --help`. */
  summary: string;
  /** Full usage text, shown on `--help` and on a usage error. */
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Workspace root: the directory paths are resolved against (cwd, or GITHUB_WORKSPACE). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout is a terminal: colour is used only then (see output/terminal.ts). */
  stdoutIsTTY?: boolean;
}

export const EXIT_OK = 0;
export const EXIT_VERDICT = 1;
export const EXIT_USAGE = 2;
