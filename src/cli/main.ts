import { AirlockError, VerificationError } from '../errors.js';
import { type CliCommand, type CliIO, EXIT_USAGE, EXIT_VERDICT } from './command.js';
import { commands } from './commands/index.js';
import { hostResourceError } from '../host-error.js';
import { VERSION } from '../version.js';

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const rows = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `airlock ${VERSION}: gate generated Python code\n\nUsage: airlock <command> [options]\n\nCommands:\n${rows}\n\nRun \`airlock <command> --help\` for a command's options.\n`;
}

/** Longest command name matching the leading words, so `audit verify` wins over `audit`. */
function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  let best: { command: CliCommand; rest: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (
      words.every((w, i) => argv[i] === w) &&
      (!best || words.length > best.command.name.split(' ').length)
    ) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

/** The CLI as a function: tests call it directly; `index.ts` wires it to the process. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout(helpText());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr(`airlock: unknown command '${argv[0]}'\n\n${helpText()}`);
    return EXIT_USAGE;
  }
  if (found.rest.includes('--help') || found.rest.includes('-h')) {
    io.stdout(`${found.command.usage}\n`);
    return 0;
  }
  try {
    return await found.command.run(found.rest, io);
  } catch (e) {
    if (e instanceof VerificationError) {
      io.stderr(`airlock: ${e.code}${e.seq !== undefined ? ` at entry ${e.seq}` : ''}: ${e.message}\n`);
      return EXIT_VERDICT;
    }
    // A full disk, no file descriptors, a read-only filesystem: the environment's error.
    const known = e instanceof AirlockError ? e : hostResourceError(e);
    if (known) {
      io.stderr(`airlock: ${known.code}: ${known.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
