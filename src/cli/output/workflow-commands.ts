import { randomBytes } from 'node:crypto';

/**
 * A script's output printed into a GitHub Actions log must not be taken for workflow
 * commands: `::add-mask::` would hide text, `::error::` fakes an annotation, and
 * `::stop-commands::`/`##[...]` forms change how the rest of the log is read
 * (issue 21, item 12). The runner parses a line as a command when, after leading
 * whitespace, it starts with `::` (v2), or when it contains `##[` (v1).
 *
 * Two layers, because stdout and stderr are read by the runner on separate pipes and
 * their relative order is not guaranteed:
 * 1. each stream's text is wrapped in GitHub's own `::stop-commands::<token>` …
 *    `::<token>::`, with a fresh random token the script cannot know (it has finished
 *    before its output is printed);
 * 2. inside, every line that would still parse as a command is escaped with a
 *    leading backslash (`\::error::x`), and `##[` becomes `#\#[`, so even a block the
 *    runner read out of order carries no command.
 */
// .NET's TrimStart also trims U+0085 and U+180E, which JavaScript's \s does not cover.
const V2_COMMAND = /^([\s\u0085\u180e]*)::/u;
// The runner reads lines with .NET's ReadLine: \r alone ends a line too.
const LINE_BREAK = /(\r\n|\r|\n)/;

export function escapeCommandLine(line: string): string {
  return line.replace(V2_COMMAND, '$1\\::').replaceAll('##[', '#\\#[');
}

export function guardWorkflowCommands(text: string, token = randomBytes(16).toString('hex')): string {
  if (text === '') return text;
  const body = escapeCommandLines(text);
  return `::stop-commands::${token}\n${body}${body.endsWith('\n') ? '' : '\n'}::${token}::\n`;
}

/** Under GitHub Actions the runner sets GITHUB_ACTIONS=true for every step. */
export function underGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** Every line of a text escaped (no stop-commands block): for our own output that quotes scripts. */
export function escapeCommandLines(text: string): string {
  // Odd indexes are the separators the split captured; they stay as they are.
  return text
    .split(LINE_BREAK)
    .map((part, i) => (i % 2 === 1 ? part : escapeCommandLine(part)))
    .join('');
}

/**
 * A JSON document (report, SARIF) that quotes a script's output: `##[` can only occur
 * inside a string there, and `##\u005b` is the same string to every JSON reader, so
 * the document stays byte-for-byte meaningful and carries no v1 command. Pretty-printed
 * JSON never starts a line with `::`.
 */
export function escapeJsonCommands(json: string): string {
  return json.replaceAll('##[', '##\\u005b');
}
