import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict argv parsing shared by every command: unknown flags are a usage error, and
 * `--` ends options so a script called `--help.py` or `-rf.py` is still a path.
 */
export function parseCommandArgs<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UserError('USAGE', `${(e as Error).message}\n\n${usage}`);
  }
}
