import { main } from './main.js';

// Entry point only: everything testable lives in main().
main(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A bug, not a user error: show the stack.
    process.stderr.write(`airlock: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 3;
  },
);
