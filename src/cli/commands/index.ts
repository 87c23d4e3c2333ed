import type { CliCommand } from '../command.js';

/**
 * Every command the CLI knows. Each lives in its own module beside this one;
 * add one line here when adding a command.
 */
export const commands: CliCommand[] = [];
