import { chmodSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Log } from 'sarif';
import { tryRunCommand } from '../../../src/exec/run-command.js';

const MULTITOOL = path.resolve('node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');

export interface ValidationIssue {
  ruleId: string;
  level: string;
  message: string;
}

/**
 * Runs `Sarif.Multitool validate` with both rule sets: `Sarif` (the SARIF spec's rules
 * and the JSON schema) and `Gh` (GitHub code scanning's ingestion rules, GH1xxx/GH2xxx).
 * Returns every issue it reported, read from its own SARIF output.
 */
export async function validateSarif(file: string): Promise<ValidationIssue[]> {
  // npm installs the self-contained binary without its execute bit.
  if ((statSync(MULTITOOL).mode & 0o100) === 0) chmodSync(MULTITOOL, 0o755);
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'sarif-validate-')), 'validation.sarif');
  const r = await tryRunCommand(MULTITOOL, ['validate', '--rule-kind', 'Sarif;Gh', '-o', out, file], {
    timeoutMs: 300_000,
    // .NET needs a writable HOME and, without ICU, invariant globalization.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmpdir(),
      DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1',
    },
  });
  if (r.exitCode !== 0)
    throw new Error(`multitool failed (${r.exitCode}): ${r.stdout.slice(-1000)} ${r.stderr.slice(-1000)}`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as Log;
  return (log.runs[0]?.results ?? []).map((res) => ({
    ruleId: res.ruleId ?? '?',
    level: res.level ?? 'warning',
    message: res.message.text ?? '',
  }));
}
