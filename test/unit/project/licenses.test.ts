import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * dist/<bundle>/licenses.txt must name every npm package bundled into dist/<bundle>/
 * (issue 17: it named one of dozens). Which packages a bundle holds is worked out here
 * independently of the build script (scripts/bundle-licenses.mjs reads webpack's stats):
 * esbuild bundles the same entry and reports every node_modules file whose code it kept.
 * AIRLOCK_DIST_DIR points the test at another build (e.g. a fresh `node
 * scripts/build-dist.mjs /tmp/dist`); by default it checks the committed dist/.
 */
const ROOT = resolve(import.meta.dirname, '../../..');
const DIST = process.env.AIRLOCK_DIST_DIR ?? join(ROOT, 'dist');
const HEADER = /^==== (@?[^@\s]+)@(\S+) \((.+)\) ====$/gm;

async function bundledPackages(entry: string): Promise<Set<string>> {
  const r = await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const names = new Set<string>();
  for (const output of Object.values(r.metafile.outputs)) {
    for (const [file, used] of Object.entries(output.inputs)) {
      if (used.bytesInOutput === 0) continue;
      const m = [...file.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1);
      if (m) names.add(m[1]!);
    }
  }
  return names;
}

function listed(bundle: string): { name: string; version: string; license: string; text: string }[] {
  const text = readFileSync(join(DIST, bundle, 'licenses.txt'), 'utf8');
  const heads = [...text.matchAll(HEADER)];
  return heads.map((h, i) => ({
    name: h[1]!,
    version: h[2]!,
    license: h[3]!,
    text: text.slice(h.index! + h[0].length, heads[i + 1]?.index ?? text.length).trim(),
  }));
}

describe('dist licenses.txt', () => {
  for (const [bundle, entry] of [
    ['action', 'src/action/index.ts'],
    ['cli', 'src/cli/index.ts'],
  ] as const) {
    it(`${bundle}: names every bundled package, each with its licence text`, async () => {
      const inBundle = await bundledPackages(entry);
      const entries = listed(bundle);
      const names = new Set(entries.map((e) => e.name));
      expect(inBundle.size).toBeGreaterThan(10);
      const missing = [...inBundle].filter((n) => !names.has(n)).sort();
      expect(missing, `bundled but not in dist/${bundle}/licenses.txt`).toEqual([]);
      for (const e of entries) {
        expect(e.license, e.name).not.toBe('UNKNOWN');
        expect(e.text.length, `${e.name}: licence text`).toBeGreaterThan(20);
      }
    }, 60_000);
  }
});
