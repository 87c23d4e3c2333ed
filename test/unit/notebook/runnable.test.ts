import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notebookToScript } from '../../../src/notebook/extract.js';
import { parseNotebook } from '../../../src/notebook/parse.js';
import { NOTEBOOK_RUNNER, notebookCommand, runnableNotebook } from '../../../src/notebook/runnable.js';

const fixture = (name: string) => readFileSync(`test/fixtures/notebooks/${name}`, 'utf8');

interface Cell {
  cell_type: string;
  source: string[];
  outputs?: unknown[];
  execution_count?: unknown;
  [k: string]: unknown;
}

function runnable(text: string) {
  const script = notebookToScript(parseNotebook(text));
  const nb = JSON.parse(runnableNotebook(text, script.cells).toString('utf8')) as {
    cells: Cell[];
    nbformat: number;
    metadata: unknown;
  };
  return { script, nb };
}

describe('runnableNotebook', () => {
  it("runs exactly the scanned script: its code cells joined are the extracted script's lines", () => {
    for (const name of ['benign.ipynb', 'malicious_magic.ipynb']) {
      const { script, nb } = runnable(fixture(name));
      const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => `${c.source.join('')}\n\n`);
      expect(code.join(''), name).toBe(script.code);
    }
  });

  it('never carries a shell escape or magic into the notebook the kernel runs', () => {
    const { nb } = runnable(fixture('malicious_magic.ipynb'));
    const text = JSON.stringify(nb);
    expect(fixture('malicious_magic.ipynb')).toContain('!curl');
    expect(text).not.toContain('curl');
    const benign = runnable(fixture('benign.ipynb')).nb;
    expect(benign.cells[1]!.source[0]).toBe('pass  # airlock: magic %matplotlib removed\n');
  });

  it('keeps markdown cells and the cell order, clears outputs, and drops fields nbformat does not define', () => {
    const text = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 4,
      metadata: { kernelspec: { name: 'python3' } },
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'text'] },
        {
          cell_type: 'code',
          id: 'c1',
          metadata: { tags: ['x'] },
          execution_count: 7,
          outputs: [{ output_type: 'stream', name: 'stdout', text: 'stale\n' }],
          source: 'print(1)',
          injected: { anything: true },
        },
        { cell_type: 'raw', metadata: {}, source: 'raw' },
      ],
    });
    const { nb } = runnable(text);
    expect(nb.nbformat).toBe(4);
    expect((nb as unknown as { nbformat_minor: number }).nbformat_minor).toBe(5);
    expect(nb.metadata).toEqual({ kernelspec: { name: 'python3' } });
    expect(nb.cells.map((c) => c.cell_type)).toEqual(['markdown', 'code', 'raw']);
    expect(nb.cells[0]).toEqual({
      cell_type: 'markdown',
      id: 'cell-0',
      metadata: {},
      source: ['# Title\n', 'text'],
    });
    expect(nb.cells[1]).toEqual({
      cell_type: 'code',
      id: 'c1',
      metadata: { tags: ['x'] },
      execution_count: null,
      outputs: [],
      source: ['print(1)'],
    });
  });

  it('gives every cell a valid, unique id (nbformat 4.5), keeping the valid ones it has', () => {
    const cells = [
      { id: 'cell-2', source: 'a = 1' },
      { id: 'bad id!', source: 'b = 2' },
      { id: 'cell-2', source: 'c = 3' },
      { source: 'd = 4' },
      { id: 'x'.repeat(65), source: 'e = 5' },
    ];
    const text = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: cells.map((c) => ({ cell_type: 'code', metadata: {}, outputs: [], ...c })),
    });
    const ids = runnable(text).nb.cells.map((c) => c.id);
    expect(ids).toEqual(['cell-2', 'cell-1', 'cell-2-1', 'cell-3', 'cell-4']);
  });
});

describe('notebookCommand', () => {
  it("runs the image's runner on the notebook in the working directory, a name never taken for an option", () => {
    expect(notebookCommand('analysis/-c.ipynb')).toEqual(['python3', NOTEBOOK_RUNNER, './-c.ipynb']);
  });
});
