import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import type { Policy } from '../policy/index.js';
import { SCANNERS } from '../scan/registry.js';
import type { ScannerSettingsBase } from '../scan/scanner.js';
import { sha256Hex } from '../sha256.js';

/**
 * The verdict cache's key (docs/cache.md): everything a scan result depends on. Two
 * scans with equal keys read the same bytes at the same path with the same scanners,
 * rules and options, so the earlier result stands for the later one.
 */
export interface CacheKeyParts {
  /** The staged path the scanners read (Semgrep rules can match on paths). */
  path: string;
  /** SHA-256 of the staged bytes the scanners read. */
  sha256: string;
  /** The effective policy's digest (src/policy/load.ts policySha256). */
  policySha256: string;
  /** The sandbox image's id (content-addressed): the scanners' whole toolchain. */
  imageId: string;
  /** Every enabled scanner and the version its probe printed, in registry order. */
  scanners: { tool: string; version: string }[];
  /** rulesDigest below. */
  rulesSha256: string;
}

export function cacheKey(parts: CacheKeyParts): string {
  const text = canonicalize({ v: 1, ...parts });
  if (text === undefined) throw new Error('cache key could not be canonicalized');
  return sha256Hex(text);
}

/**
 * What the scanners are told besides the policy's settings: the Semgrep rule files'
 * bytes (the policy names only their directory) and each scanner's command line and
 * container environment as this Airlock builds them (Bandit's config is its argv:
 * `--ini /dev/null`, `--ignore-nosec`). A rule edited in place, or an Airlock that
 * passes other flags, changes the digest and so every key.
 */
export async function rulesDigest(policy: Policy): Promise<string> {
  const semgrepRules = await treeDigest(policy.scanners.semgrep.rulesDir);
  const commands = SCANNERS.map((s) => {
    const settings = policy.scanners[s.name] as ScannerSettingsBase;
    if (settings.mode === 'off') return { tool: s.name, off: true };
    const session = (s.open as (x: ScannerSettingsBase) => ReturnType<typeof s.open>)(settings);
    return {
      tool: s.name,
      argv: session.argv(['file.py']),
      env: session.container?.env ?? {},
      ok: [...session.okExitCodes],
    };
  });
  return sha256Hex(canonicalize({ semgrepRules, commands }) ?? '');
}

/** path -> SHA-256 of every file under `dir` (a link: of its target's name), sorted. */
async function treeDigest(dir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    for (const name of (await readdir(abs)).sort()) {
      const p = join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const info = await lstat(p);
      if (info.isDirectory()) await walk(p, r);
      else if (info.isSymbolicLink()) out.push([r, `link:${await readlink(p)}`]);
      else if (info.isFile()) out.push([r, sha256Hex(await readFile(p))]);
    }
  };
  await walk(dir, '');
  return out;
}
