import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../../src/errors.js';
import { loadPolicy, policiesDir } from '../../../src/policy/index.js';

/**
 * Extends the policy engineer's loader properties (test/unit/policy) where they are
 * thin: random `extends` graphs (chains, cycles, missing parents, shipped names) and
 * shipped policies with random lines deleted. The loader must load exactly the
 * acyclic, complete chains and refuse the rest with POLICY_INVALID/POLICY_NOT_FOUND;
 * nothing else may be thrown, and it must terminate on cycles.
 */
const root = mkdtempSync(join(tmpdir(), 'airlock-prop-policy-'));
let counter = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

// For each of up to 5 files, what it extends: another file, a shipped name, a missing file, or nothing.
const target = fc.oneof(
  fc.record({ file: fc.nat({ max: 4 }) }),
  fc.constantFrom({ shipped: 'default' }, { shipped: 'strict' }, { missing: true }, { none: true }),
);
const graph = fc.array(target, { minLength: 1, maxLength: 5 });

type Target = { file: number } | { shipped: string } | { missing: true } | { none: true };

/** What loading file 0 must do: follow the chain, spot a cycle or a missing parent. */
function expectedOutcome(g: Target[]): 'loads' | 'cycle' | 'missing' {
  const seen = new Set<number>();
  let i = 0;
  for (;;) {
    if (seen.has(i)) return 'cycle';
    seen.add(i);
    const t = g[i]!;
    if ('file' in t) {
      if (t.file >= g.length) return 'missing';
      i = t.file;
    } else if ('missing' in t) return 'missing';
    else return 'loads';
  }
}

describe('policy loader: extends graphs and damaged shipped policies', () => {
  it('loads exactly the acyclic complete chains; refuses cycles and missing parents', async () => {
    await fc.assert(
      fc.asyncProperty(graph, async (g) => {
        const dir = join(root, String(counter++));
        await mkdir(dir);
        g.forEach((t, i) => {
          const ext =
            'file' in t
              ? `extends: ./p${t.file}.yml\n`
              : 'shipped' in t
                ? `extends: ${t.shipped}\n`
                : 'missing' in t
                  ? 'extends: ./nowhere.yml\n'
                  : '';
          writeFileSync(join(dir, `p${i}.yml`), `version: 1\nname: p${i}\n${ext}`);
        });
        const want = expectedOutcome(g);
        const got = await loadPolicy(join(dir, 'p0.yml')).then(
          () => 'loads' as const,
          (e: unknown) => e,
        );
        if (want === 'loads') {
          expect(got).toBe('loads');
        } else {
          expect(got).toBeInstanceOf(UserError);
          expect(['POLICY_INVALID', 'POLICY_NOT_FOUND']).toContain((got as UserError).code);
        }
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('a shipped policy with random lines deleted loads or is POLICY_INVALID', async () => {
    const shipped = ['default.yml', 'strict.yml'].map((f) => readFileSync(join(policiesDir(), f), 'utf8'));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 1 }),
        fc.uniqueArray(fc.nat({ max: 400 }), { minLength: 1, maxLength: 6 }),
        async (which, drop) => {
          const lines = shipped[which]!.split('\n');
          const text = lines.filter((_, i) => !drop.includes(i % lines.length)).join('\n');
          const file = join(root, `damaged-${counter++}.yml`);
          // strict.yml extends `default` by its shipped name: still resolvable from here.
          writeFileSync(file, text);
          const got = await loadPolicy(file).then(
            () => 'loads',
            (e: unknown) => e,
          );
          if (got !== 'loads') {
            expect(got).toBeInstanceOf(UserError);
            expect(['POLICY_INVALID', 'POLICY_NOT_FOUND']).toContain((got as UserError).code);
          }
        },
      ),
      { numRuns: 80 },
    );
  }, 60_000);
});
