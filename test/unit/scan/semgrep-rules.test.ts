import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { loadSemgrepRuleFiles } from '../../../src/scan/semgrep-rules.js';

/**
 * Semgrep cannot be installed on the build machines, so `semgrep --test` cannot run
 * here. This checks everything about the rules that can be checked without it: the
 * schema of every rule, unique prefixed ids, and a `semgrep --test` target per file
 * whose annotations name real rules, cover every rule both ways, sit on real code,
 * and parse as Python (a target that does not parse would test nothing).
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
      'dynamic-code-execution',
      'filesystem-write',
      'native-code',
      'network-access',
      'process-spawn',
      'secrets-access',
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

    it('puts each annotation directly above a line of code', () => {
      const lines = text.split('\n');
      for (const a of anns) {
        const next = lines[a.line] ?? '';
        expect(next.trim(), `annotation on line ${a.line}`).not.toBe('');
        expect(next.trim().startsWith('#'), `annotation on line ${a.line}`).toBe(false);
      }
    });

    it('is valid Python (python3 ast.parse), and so is each annotated line on its own', async () => {
      const lines = text.split('\n');
      const annotated = anns.map((a) => (lines[a.line] ?? '').trim());
      const script = [
        'import ast, json, sys',
        'src = open(sys.argv[1], encoding="utf-8").read()',
        'ast.parse(src)',
        'for line in json.loads(sys.argv[2]): ast.parse(line)',
        'print("ok")',
      ].join('\n');
      const r = await tryRunCommand('python3', ['-c', script, target, JSON.stringify(annotated)]);
      expect(r.stderr).toBe('');
      expect(r.stdout.trim()).toBe('ok');
    });
  });
});
