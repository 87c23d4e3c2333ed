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
  const cells = nb.cells.map((cell, index) => {
    if (cell.cell_type !== 'code') return cell;
    const source = byIndex.get(index);
    // parseNotebook and notebookToScript saw every code cell: a gap is a bug, not input.
    if (source === undefined) throw new Error(`runnableNotebook: no scanned source for code cell ${index}`);
    return {
      cell_type: 'code',
      ...(typeof cell.id === 'string' ? { id: cell.id } : {}),
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
    nbformat_minor: typeof nb.nbformat_minor === 'number' ? nb.nbformat_minor : 5,
  };
  return Buffer.from(`${JSON.stringify(runnable, null, 1)}\n`, 'utf8');
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
