import type { Finding } from '../report/types.js';
import type { ParsedNotebook } from './parse.js';
import { statementStarts } from './statement-starts.js';

/**
 * A notebook's code cells as one Python script, the way a kernel runs them (in order,
 * one namespace), with a map from each script line back to its cell and line, and the
 * IPython syntax that is not Python taken out:
 *
 * - Shell escapes and magics that run programs (`!cmd`, `x = !cmd`, `%system`, `%sx`,
 *   `%pip`, `%conda`, `%run`, `%load`, `%%bash`, `%%sh`, `%%script`, `%%writefile`,
 *   `get_ipython().system(...)`, ...) are shell commands the scanners cannot read: each
 *   is a finding `airlock.notebook-shell` at its own line, and the line is replaced by
 *   `pass` (same indentation) so the script neither runs it nor changes its lines.
 * - Other magics (`%matplotlib inline`, `%%time`) are display or timing helpers: the
 *   magic line becomes `pass`; the body of a Python cell magic stays, a cell magic
 *   whose body is not Python (`%%html`, `%%javascript`) is commented out.
 *
 * The script is what the scanners read, and `cells` is the same code cut back into the
 * notebook's cells: what the sandbox's kernel runs (runnable.ts), so what runs is what
 * was scanned.
 */
export const NOTEBOOK_SHELL_RULE = 'airlock.notebook-shell';

export interface LineOrigin {
  /** 0-based cell index in the notebook (as Jupyter counts, all cell types). */
  cell: number;
  /** 1-based line within the cell. */
  line: number;
  /** 1-based line in the .ipynb file. */
  fileLine: number;
}

/** One code cell's source as scanned: what the sandbox's kernel runs for that cell. */
export interface ScannedCell {
  /** 0-based cell index in the notebook (all cell types). */
  index: number;
  source: string;
}

export interface NotebookScript {
  code: string;
  /** Each code cell's lines of `code` (without the blank line that ends it in the script). */
  cells: ScannedCell[];
  /** origins[i] is where line i + 1 of `code` came from. */
  origins: LineOrigin[];
  /** Shell escapes and program-running magics, at their line in `code`. */
  findings: Finding[];
}

const SHELL_LINE_MAGICS = new Set([
  'system',
  'sx',
  'sc',
  'pip',
  'conda',
  'mamba',
  'micromamba',
  'run',
  'load',
  'bash',
  'sh',
  'script',
]);
const SHELL_CELL_MAGICS = new Set([
  '!',
  'bash',
  'sh',
  'system',
  'script',
  'perl',
  'ruby',
  'python',
  'python2',
  'python3',
  'pypy',
  'writefile',
  'file',
  'sx',
]);
/** Cell magics whose body is Python that runs (timing, capturing output). */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug']);

const CELL_MAGIC = /^\s*%%(!|[A-Za-z_][\w-]*)/;
const LINE_MAGIC = /^(\s*)%{1}([A-Za-z_][\w-]*)/;
const SHELL_ESCAPE = /^(\s*)!/;
// `files = !ls`, `out = %sx ls`, `a, b = !cmd`
const ASSIGNED_SHELL = /^(\s*)[\w.,\s[\]()*]+=\s*(!|%(\w+))/;
const IPYTHON_API = /\bget_ipython\s*\(\s*\)\s*\.\s*(system|getoutput|run_line_magic|run_cell_magic|ex|ev)\b/;

function shellFinding(line: number, what: string, text: string): Finding {
  const cmd = text.trim().slice(0, 200);
  return {
    tool: 'airlock',
    ruleId: NOTEBOOK_SHELL_RULE,
    severity: 'high',
    confidence: 'high',
    line,
    message: `notebook ${what} runs a shell command or program the scanners cannot read: ${JSON.stringify(cmd)}`,
  };
}

export function notebookToScript(nb: ParsedNotebook): NotebookScript {
  const out: string[] = [];
  const origins: LineOrigin[] = [];
  const findings: Finding[] = [];
  const cells: ScannedCell[] = [];
  const emit = (text: string, cell: number, line: number, fileLine: number) => {
    out.push(text);
    origins.push({ cell, line, fileLine });
  };
  for (const cell of nb.cells) {
    const cellStart = out.length;
    const first = cell.lines.findIndex((l) => l.trim() !== '');
    const cellMagic = first >= 0 ? CELL_MAGIC.exec(cell.lines[first]!)?.[1] : undefined;
    const starts = statementStarts(cell.lines);
    cell.lines.forEach((text, i) => {
      const at = out.length + 1;
      const origin = [cell.index, i + 1, cell.fileLines[i]!] as const;
      if (cellMagic !== undefined && i >= first) {
        if (i === first && SHELL_CELL_MAGICS.has(cellMagic)) {
          findings.push(shellFinding(at, `cell magic %%${cellMagic}`, cell.lines.slice(first).join('\n')));
        }
        const pythonBody = PYTHON_CELL_MAGICS.has(cellMagic) && i > first;
        emit(pythonBody ? text : `# ${text}`, ...origin);
        return;
      }
      const indent = /^\s*/.exec(text)![0];
      // Escapes and magics exist only where a statement starts (not in `a\n != b`).
      const shellEscape = starts[i] && SHELL_ESCAPE.exec(text);
      const assigned = starts[i] && ASSIGNED_SHELL.exec(text);
      const magic = starts[i] && LINE_MAGIC.exec(text);
      if (shellEscape || (assigned && (assigned[2] === '!' || SHELL_LINE_MAGICS.has(assigned[3] ?? '')))) {
        findings.push(shellFinding(at, 'shell escape (!)', text));
        emit(`${indent}pass  # airlock: shell escape removed`, ...origin);
      } else if (magic) {
        if (SHELL_LINE_MAGICS.has(magic[2]!)) findings.push(shellFinding(at, `magic %${magic[2]}`, text));
        emit(`${indent}pass  # airlock: magic %${magic[2]} removed`, ...origin);
      } else {
        if (IPYTHON_API.test(text)) findings.push(shellFinding(at, 'get_ipython() call', text));
        emit(text, ...origin);
      }
    });
    cells.push({ index: cell.index, source: out.slice(cellStart).join('\n') });
    // Cells are separate blocks: a blank line keeps one cell's last statement from running on.
    emit('', cell.index, cell.lines.length, cell.fileLines.at(-1) ?? 1);
  }
  return { code: `${out.join('\n')}\n`, cells, origins, findings };
}

/**
 * A finding on the script, placed on the notebook: its line becomes the .ipynb file
 * line (where GitHub and editors can show it) and its message names the cell and the
 * line within it, as Jupyter shows them (cells counted from 1 here, for people). The
 * column is dropped: it counts in the cell, not in the file's JSON.
 */
export function toNotebookFinding(f: Finding, origins: readonly LineOrigin[]): Finding {
  const o = origins[f.line - 1] ?? origins.at(-1);
  if (!o) return f;
  const { column: _c, endLine: _e, ...rest } = f;
  return { ...rest, line: o.fileLine, message: `[cell ${o.cell + 1}, line ${o.line}] ${f.message}` };
}
