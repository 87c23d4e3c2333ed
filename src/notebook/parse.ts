import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/**
 * An `.ipynb` file (nbformat 4) as far as gating needs it: its code cells' source
 * lines, and where each line sits in the file. The file comes from a pull request:
 * it is parsed with JSON.parse (what Jupyter's own Python json reads), checked field by
 * field, and anything unexpected is a NotebookError naming the field, never a crash.
 *
 * File line of each source line: JSON has no positions, so the file is parsed a second
 * time as YAML (a superset of JSON) with the maintained `yaml` library, whose nodes
 * carry offsets. When the two disagree (duplicate keys: JSON.parse keeps the last,
 * YAML refuses) the cell's `source` key line is used, or line 1: a location only, the
 * gate's decision never depends on it.
 */
export class NotebookError extends Error {}

export interface CodeCell {
  /** 0-based index among all cells (markdown and raw included), as Jupyter numbers them. */
  index: number;
  /** The source split into lines, without their line breaks. */
  lines: string[];
  /** 1-based line in the .ipynb file of each source line. */
  fileLines: number[];
}

export interface ParsedNotebook {
  cells: CodeCell[];
  /** The kernel's language (metadata.kernelspec.language / language_info.name), if stated. */
  language?: string;
}

/** The source's lines, and for each the index of the `source` array element it starts in. */
function sourceLines(source: unknown, where: string): { lines: string[]; element: number[] } {
  const parts = Array.isArray(source)
    ? source.map((s, i) => {
        if (typeof s !== 'string') throw new NotebookError(`${where}.source[${i}] is not a string`);
        return s;
      })
    : typeof source === 'string'
      ? [source]
      : undefined;
  if (parts === undefined) throw new NotebookError(`${where}.source must be a string or an array of strings`);
  // nbformat splits after each \n, but an element may hold several lines; Python also
  // ends a line at \r, so the lines are cut as Python would read the joined text.
  const lines = parts.join('').split(/\r\n|\r|\n/);
  const element: number[] = [];
  let line = 0;
  parts.forEach((part, k) => {
    if (element[line] === undefined) element[line] = k;
    line += (part.match(/\r\n|\r|\n/g) ?? []).length;
  });
  for (let i = 0; i < lines.length; i++) element[i] ??= element[i - 1] ?? 0;
  return { lines, element };
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** File lines of each source element of each cell, from the YAML parse; undefined if unusable. */
function sourcePositions(text: string): Map<number, { key: number; items: number[] }> | undefined {
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: false });
  } catch {
    return undefined;
  }
  if (doc.errors.length) return undefined;
  const starts = lineStarts(text);
  const at = (n: Node | null | undefined) => (n?.range ? lineAt(starts, n.range[0]) : 1);
  const cells = isMap(doc.contents) ? doc.contents.get('cells', true) : undefined;
  if (!isSeq(cells)) return undefined;
  const out = new Map<number, { key: number; items: number[] }>();
  cells.items.forEach((cell, i) => {
    if (!isMap(cell)) return;
    const pair = cell.items.find((p) => isScalar(p.key) && p.key.value === 'source');
    if (!pair) return;
    const key = at(pair.key as Node);
    const items = isSeq(pair.value) ? pair.value.items.map((n) => at(n as Node)) : [at(pair.value as Node)];
    out.set(i, { key, items });
  });
  return out;
}

export function parseNotebook(text: string): ParsedNotebook {
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch (e) {
    throw new NotebookError(`not JSON: ${(e as Error).message}`);
  }
  if (typeof nb !== 'object' || nb === null || Array.isArray(nb))
    throw new NotebookError('not a JSON object');
  const o = nb as Record<string, unknown>;
  if (o.nbformat !== 4) throw new NotebookError(`nbformat must be 4, got ${JSON.stringify(o.nbformat)}`);
  if (!Array.isArray(o.cells)) throw new NotebookError('cells must be an array');
  const meta = (o.metadata ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const language = [meta.kernelspec?.language, meta.language_info?.name].find((l) => typeof l === 'string') as
    | string
    | undefined;
  const positions = sourcePositions(text);
  const cells: CodeCell[] = [];
  o.cells.forEach((cell: unknown, index: number) => {
    const where = `cells[${index}]`;
    if (typeof cell !== 'object' || cell === null) throw new NotebookError(`${where} is not an object`);
    const c = cell as Record<string, unknown>;
    if (typeof c.cell_type !== 'string') throw new NotebookError(`${where}.cell_type must be a string`);
    if (c.cell_type !== 'code') return;
    const { lines, element } = sourceLines(c.source, where);
    const pos = positions?.get(index);
    // Jupyter writes one array element per line, each on its own file line; a line of a
    // multi-line element (or a plain string) is placed at that element's start.
    const fileLines = lines.map((_, i) => pos?.items[element[i]!] ?? pos?.key ?? 1);
    cells.push({ index, lines, fileLines });
  });
  return { cells, language };
}
