import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineHashes } from '../../../src/report/sarif-fingerprint.js';

const at = (text: string, line: number) => lineHashes(text).get(line)!;

describe("primaryLocationLineHash (GitHub's rolling line hash)", () => {
  it('gives one `<hex>:<n>` per line, plus one for the empty line after a final newline', () => {
    const h = lineHashes('a = 1\nb = 2\nc = 3');
    expect([...h.keys()]).toEqual([1, 2, 3]);
    for (const v of h.values()) expect(v).toMatch(/^[0-9a-f]{1,16}:\d+$/);
    expect(lineHashes('a = 1\nb = 2\n').size).toBe(3);
    expect(lineHashes('').size).toBe(1);
  });

  it('is stable when lines are added above the finding (the alert keeps its identity)', () => {
    const body = 'import os\nos.system(cmd)\nprint("done")\n';
    const moved = `# a new header\n# more\n\n${body}`;
    expect(at(moved, 5)).toBe(at(body, 2));
  });

  it('ignores indentation and line-ending changes', () => {
    const lf = 'def f():\n    eval(x)\n    return 1\n';
    expect(at(lf.replace(/ {4}/g, '\t'), 2)).toBe(at(lf, 2));
    expect(at(lf.replace(/\n/g, '\r\n'), 2)).toBe(at(lf, 2));
    expect(at(lf.replace(/\n/g, '\r'), 2)).toBe(at(lf, 2));
  });

  it('changes when the line itself or what follows within 100 characters changes', () => {
    const a = 'x = 1\neval(a)\ny = 2\n';
    expect(at(a.replace('eval(a)', 'eval(b)'), 2)).not.toBe(at(a, 2));
    expect(at(a.replace('y = 2', 'y = 3'), 2)).not.toBe(at(a, 2));
  });

  it('numbers identical hashes by occurrence, so repeated lines stay distinct', () => {
    const h = lineHashes('eval(x)\n'.repeat(120));
    const values = [...h.values()];
    expect(new Set(values).size).toBe(values.length);
    expect(h.get(1)!.endsWith(':1')).toBe(true);
    expect(h.get(2)!.split(':')[0]).toBe(h.get(1)!.split(':')[0]);
    expect(h.get(2)!.endsWith(':2')).toBe(true);
  });

  it('never throws and always covers every line (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const h = lineHashes(s);
        expect(h.size).toBe(s.split(/\r\n|\r|\n/).length);
      }),
      { numRuns: 200 },
    );
  });
});
