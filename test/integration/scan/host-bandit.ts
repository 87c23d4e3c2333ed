import { cpSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { banditArgv } from '../../../src/scan/bandit.js';

export const CORPUS_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../corpus/hostile-static',
);

export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.py'))
    .sort();
}

/** Ordinary generated analysis code: must come out clean of blocking findings. */
export const BENIGN: Record<string, string> = {
  'benign/summarise_sales.py': [
    'import csv',
    'import os',
    'import statistics',
    '',
    'out = os.environ["AIRLOCK_OUTPUT_DIR"]',
    'with open("sales.csv", newline="") as fh:',
    '    prices = [float(r["price"]) for r in csv.DictReader(fh)]',
    'with open(os.path.join(out, "summary.txt"), "w") as fh:',
    '    fh.write(f"mean={statistics.mean(prices)}\\n")',
    '',
  ].join('\n'),
  'benign/plot weird name #1.py': [
    'import json',
    '',
    'rows = json.load(open("rows.json"))',
    'print(len(rows))',
    '',
  ].join('\n'),
  'benign/naïve_bayes.py': [
    'from collections import Counter',
    '',
    'print(Counter("abracadabra").most_common(2))',
    '',
  ].join('\n'),
};

/** A temp dir with the hostile corpus plus the benign files; returns it and the relative file list. */
export function mixedCorpus(): { root: string; files: string[] } {
  const root = mkdtempSync(path.join(tmpdir(), 'airlock-corpus-'));
  cpSync(CORPUS_DIR, path.join(root, 'hostile'), { recursive: true });
  for (const [rel, text] of Object.entries(BENIGN)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  const files = [...corpusFiles().map((f) => `hostile/${f}`), ...Object.keys(BENIGN)].sort();
  return { root, files };
}

/** The host's Bandit (Debian 1.6.2) with exactly the argv the sandboxed run uses. */
export async function hostBanditJson(root: string, files: string[], ignoreNosec = true): Promise<string> {
  const [cmd, ...args] = banditArgv(files, ignoreNosec);
  const r = await tryRunCommand(cmd!, args, {
    cwd: root,
    timeoutMs: 300_000,
    maxOutputBytes: 64 * 1024 * 1024,
  });
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`host bandit failed: ${r.stderr.slice(-500)}`);
  return r.stdout;
}
