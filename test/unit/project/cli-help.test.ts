import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../../../src/cli/commands/index.js';
import { main } from '../../../src/cli/main.js';

/**
 * The README's command table and each command's `--help` agree: every option the
 * README shows for a command is one that command's help (and parser) knows, and
 * every command the CLI has is in the table. A renamed or removed flag breaks this.
 */
const readme = readFileSync('README.md', 'utf8');
const rows = [...readme.matchAll(/^\| `airlock ([a-z]+(?: [a-z][a-z0-9]*)?) ([^`]*)` \|/gm)].map((m) => ({
  name: m[1]!.trim(),
  synopsis: m[2]!,
}));

async function help(name: string): Promise<string> {
  let out = '';
  const code = await main([...name.split(' '), '--help'], {
    stdout: (t) => {
      out += t;
    },
    stderr: () => {},
    cwd: process.cwd(),
    env: {},
  });
  expect(code).toBe(0);
  return out;
}

describe('README command table vs --help', () => {
  it('lists every command', () => {
    const listed = new Set(
      rows.map((r) => (commands.some((c) => c.name === r.name) ? r.name : r.name.split(' ')[0])),
    );
    for (const c of commands)
      expect({ command: c.name, listed: listed.has(c.name) }).toEqual({ command: c.name, listed: true });
  });

  it("every option in a row is in that command's help", async () => {
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) {
      const command =
        commands.find((c) => c.name === row.name) ?? commands.find((c) => row.name.startsWith(c.name));
      expect(command, row.name).toBeDefined();
      const text = await help(command!.name);
      for (const flag of row.synopsis.match(/(?<![\w-])--?[a-z][a-z-]*/g) ?? []) {
        expect({ command: command!.name, flag, inHelp: text.includes(flag) }).toEqual({
          command: command!.name,
          flag,
          inHelp: true,
        });
      }
    }
  });
});
