/**
 * Which lines of a cell begin a new Python statement, rather than continue one (inside
 * brackets, after a backslash, inside a triple-quoted string). IPython only reads `!`
 * and `%` as escapes at the start of a statement; `!= b` or `% n` on a continuation
 * line is Python, and reading it as a shell escape would block a harmless notebook.
 *
 * A small scanner, not a full tokenizer: it tracks string literals (', ", ''' and """,
 * with backslash escapes), comments, bracket depth and trailing backslashes, which is
 * all that decides where a logical line starts. Unbalanced input (a syntax error)
 * only makes it see fewer statement starts; the scanners report the syntax error.
 */
export function statementStarts(lines: readonly string[]): boolean[] {
  const starts: boolean[] = [];
  let depth = 0;
  let triple: string | undefined;
  let backslash = false;
  for (const line of lines) {
    starts.push(depth === 0 && triple === undefined && !backslash);
    backslash = false;
    let i = 0;
    while (i < line.length) {
      const c = line[i]!;
      if (triple !== undefined) {
        if (c === '\\') i += 2;
        else if (line.startsWith(triple, i)) {
          i += 3;
          triple = undefined;
        } else i += 1;
        continue;
      }
      if (c === '#') break;
      if (c === '"' || c === "'") {
        if (line.startsWith(c.repeat(3), i)) {
          triple = c.repeat(3);
          i += 3;
          continue;
        }
        // A one-line string: skip to its closing quote (or the end of the line).
        i += 1;
        while (i < line.length && line[i] !== c) i += line[i] === '\\' ? 2 : 1;
        i += 1;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth += 1;
      else if (c === ')' || c === ']' || c === '}') depth = Math.max(0, depth - 1);
      else if (c === '\\' && i === line.length - 1) backslash = true;
      i += 1;
    }
  }
  return starts;
}
