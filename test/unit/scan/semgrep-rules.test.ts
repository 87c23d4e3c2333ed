import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { loadSemgrepRuleFiles } from '../../../src/scan/semgrep-rules.js';

/**
 * Everything about the rules that can be checked without Semgrep, fast and on every
 * machine: the schema of every rule, unique prefixed ids, and a `semgrep --test` target
 * per file whose annotations name real rules, cover every rule both ways, sit on real
 * code, and parse as Python. Semgrep itself runs `semgrep --test` over the same files
 * in test/integration/scan/semgrep-real.test.ts (inside the shipped image).
 */
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../policies/semgrep');
const files = loadSemgrepRuleFiles(dir);

interface Annotation {
  kind: 'ruleid' | 'ok';
  ids: string[];
  line: number;
}

function annotations(text: string): Annotation[] {
  const out: Annotation[] = [];
  text.split('\n').forEach((l, i) => {
    const m = /^\s*#\s*(ruleid|ok):\s*(.+)$/.exec(l);
    if (m)
      out.push({ kind: m[1] as 'ruleid' | 'ok', ids: m[2]!.split(',').map((s) => s.trim()), line: i + 1 });
  });
  return out;
}

describe('policies/semgrep rules', () => {
  it('has the rule files the policy relies on, each valid (id, message, severity, languages, pattern*, metadata)', () => {
    // loadSemgrepRuleFiles throws on the first invalid rule; reaching here means all parsed.
    expect(files.map((f) => f.name)).toEqual([
      'deferred-execution',
      'dynamic-code-execution',
      'filesystem-write',
      'native-code',
      'network-access',
      'process-spawn',
      'secrets-access',
      'source-hiding',
      'unsafe-deserialization',
    ]);
  });

  it('uses unique ids, all prefixed airlock.', () => {
    const ids = files.flatMap((f) => f.rules.map((r) => r.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^airlock\.[a-z0-9-]+$/);
  });

  it('has no stray files: every .py is a test target of a .yaml', () => {
    const py = readdirSync(dir).filter((f) => f.endsWith('.py'));
    expect(py.sort()).toEqual(files.map((f) => `${f.name}.py`).sort());
  });

  describe.each(files.map((f) => [f.name, f] as const))('%s', (_name, file) => {
    const target = path.join(dir, `${file.name}.py`);
    const text = existsSync(target) ? readFileSync(target, 'utf8') : '';
    const anns = annotations(text);
    const ids = new Set(file.rules.map((r) => r.id));

    it('has a test target with annotations only for its own rules', () => {
      expect(existsSync(target)).toBe(true);
      for (const a of anns) for (const id of a.ids) expect(ids, `line ${a.line}: ${id}`).toContain(id);
    });

    it('has at least one ruleid and one ok case per rule', () => {
      for (const id of ids) {
        expect(
          anns.some((a) => a.kind === 'ruleid' && a.ids.includes(id)),
          `${id} ruleid`,
        ).toBe(true);
        expect(
          anns.some((a) => a.kind === 'ok' && a.ids.includes(id)),
          `${id} ok`,
        ).toBe(true);
      }
    });

    // Raw-text rules (pattern-regex) are the ones that look at comments: the coding
    // cookie is a comment by definition, so only their annotations may sit above one.
    const regexRules = new Set(file.rules.filter((r) => 'pattern-regex' in r).map((r) => r.id));

    it('puts each annotation directly above a line of code (or a comment, for raw-text rules)', () => {
      const lines = text.split('\n');
      for (const a of anns) {
        const next = lines[a.line] ?? '';
        expect(next.trim(), `annotation on line ${a.line}`).not.toBe('');
        if (a.ids.every((id) => regexRules.has(id))) continue;
        expect(next.trim().startsWith('#'), `annotation on line ${a.line}`).toBe(false);
      }
    });

    it('is valid Python (python3 ast.parse), and so is each annotated line (a block header with a body)', async () => {
      const lines = text.split('\n');
      const annotated = anns.map((a) => (lines[a.line] ?? '').trim());
      const script = [
        'import ast, json, sys',
        'src = open(sys.argv[1], encoding="utf-8").read()',
        'ast.parse(src)',
        // A compound-statement header (`with ...:`, `def ...:`) or a decorator is
        // checked with a stand-in body, so a block annotated at its first line still
        // has to be real Python.
        'for line in json.loads(sys.argv[2]):',
        '    if line.startswith("#"): continue',
        '    if line.startswith("@"): line += "\\ndef f(): pass"',
        '    elif line.endswith(":"): line += "\\n    pass"',
        '    ast.parse(line)',
        'print("ok")',
      ].join('\n');
      const r = await tryRunCommand('python3', ['-c', script, target, JSON.stringify(annotated)]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('ok');
    });
  });
});
