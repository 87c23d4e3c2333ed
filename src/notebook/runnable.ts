import { posix } from 'node:path';
import type { ScannedCell } from './extract.js';

/**
 * The notebook the sandbox executes (images/rootfs/opt/airlock/libexec/run-notebook.py,
 * with nbclient and the image's ipykernel): the committed notebook with each code cell's
 * source replaced by that cell's scanned code (shell escapes and magics already `pass`),
 * its outputs and execution count cleared. Markdown and raw cells stay as they are, so
 * the executed copy that comes back reads like the notebook the author wrote.
 *
 * Why not run the committed notebook: IPython would interpret the syntax the scanners
 * never saw (`!cmd`, `%magic`, `%%bash`), and stale outputs in the PR's file would pass
 * for this run's. Only the fields nbformat 4 defines for a code cell are written:
 * nothing else of the PR's cell objects reaches the kernel's client.
 *
 * `text` has already passed parseNotebook (nbformat 4, `cells` an array of objects
 * with a string `cell_type`); `scanned` are the code cells notebookToScript produced.
 */
export function runnableNotebook(text: string, scanned: readonly ScannedCell[]): Buffer {
  const nb = JSON.parse(text) as Record<string, unknown> & { cells: Record<string, unknown>[] };
  const byIndex = new Map(scanned.map((c) => [c.index, c.source]));
  const ids = cellIds(nb.cells);
  const cells = nb.cells.map((cell, index) => {
    const id = ids[index]!;
    if (cell.cell_type !== 'code') return { ...cell, id };
    const source = byIndex.get(index);
    // parseNotebook and notebookToScript saw every code cell: a gap is a bug, not input.
    if (source === undefined) throw new Error(`runnableNotebook: no scanned source for code cell ${index}`);
    return {
      cell_type: 'code',
      id,
      metadata: isObject(cell.metadata) ? cell.metadata : {},
      execution_count: null,
      outputs: [],
      source: nbformatLines(source),
    };
  });
  const runnable = {
    cells,
    metadata: isObject(nb.metadata) ? nb.metadata : {},
    nbformat: 4,
    // 4.5 is the first minor with cell ids, which every cell now has.
    nbformat_minor: typeof nb.nbformat_minor === 'number' && nb.nbformat_minor > 5 ? nb.nbformat_minor : 5,
  };
  return Buffer.from(`${JSON.stringify(runnable, null, 1)}\n`, 'utf8');
}

/**
 * A valid, unique id for every cell (nbformat 4.5: 1-64 of [A-Za-z0-9_-]): the cell's
 * own where it is one, else `cell-N`. Without them nbformat warns on every read (the
 * run's stderr) and older notebooks (4.4) have none at all.
 */
function cellIds(cells: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  return cells.map((cell, index) => {
    const own = cell.id;
    const usable = typeof own === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(own) && !seen.has(own);
    let id = usable ? own : `cell-${index}`;
    // A PR's own id may already be `cell-N` for another N: never two cells with one id.
    for (let k = 1; seen.has(id); k++) id = `cell-${index}-${k}`;
    seen.add(id);
    return id;
  });
}

/** nbformat's multiline string: one element per line, each but the last ending in \n. */
function nbformatLines(source: string): string[] {
  if (source === '') return [];
  const lines = source.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? `${l}\n` : l));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The image's notebook runner (images/rootfs/opt/airlock/libexec/run-notebook.py). */
export const NOTEBOOK_RUNNER = '/opt/airlock/libexec/run-notebook.py';

/**
 * argv that executes the staged runnable notebook in its directory (the working
 * directory of the run). `./name`: a notebook called `-c.ipynb` is a file, not an option.
 */
export function notebookCommand(notebookPath: string): string[] {
  return ['python3', NOTEBOOK_RUNNER, `./${posix.basename(notebookPath)}`];
}
