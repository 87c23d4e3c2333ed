import path from 'node:path';
import { z } from 'zod';
import type { ScannerStatus } from '../report/types.js';
import type { SandboxConfig, SandboxLimits } from '../sandbox/types.js';
import { asDotSlashArg } from './report-paths.js';
import { detectScanner, runScanner, type ScannerDetection } from './run-scanner.js';
import {
  defineScanner,
  type ScannerMode,
  type ScannerSettingsBase,
  scannerGap,
  scannerSection,
} from './scanner.js';
import { parseSemgrepJson } from './semgrep-parse.js';
import { loadSemgrepRuleMeta } from './semgrep-rules.js';
import type { HardenedRunner, ScanOutcome } from './types.js';

export { isMissingExecutable } from './run-scanner.js';
export type { ScannerMode } from './scanner.js';

/** Where the rules directory is mounted (read-only) inside the scanner container. */
export const SEMGREP_RULES_MOUNT = '/airlock/semgrep-rules';

/**
 * `--metrics=off --disable-version-check`: no network (there is none in the sandbox,
 * and a scanner phoning home would be a leak). `--no-git-ignore`: a PR's .gitignore
 * must not hide files. `--no-rewrite-rule-ids` keeps our ids unprefixed by the mount
 * path (normalizeSemgrepRuleId still maps prefixed ids, for older releases). `--max-target-bytes=0` lifts the 1 MB size filter that would
 * skip a padded file. `--disable-nosem`: generated code can write `# nosemgrep` to hide itself. A `.semgrepignore` in the scanned tree can still hide a file from
 * Semgrep; the coverage check against `paths.scanned` turns that into a scan error.
 */
export function semgrepArgv(files: readonly string[], ignoreNosem: boolean): string[] {
  return [
    'semgrep',
    'scan',
    '--json',
    '--config',
    SEMGREP_RULES_MOUNT,
    '--metrics=off',
    '--disable-version-check',
    '--no-git-ignore',
    '--no-rewrite-rule-ids',
    '--quiet',
    '--max-target-bytes=0',
    ...(ignoreNosem ? ['--disable-nosem'] : []),
    '--',
    ...files.map(asDotSlashArg),
  ];
}

export interface SemgrepSettings extends ScannerSettingsBase {
  /** Host directory of our rules (policies/semgrep); only these rules run, never the registry's. */
  rulesDir: string;
}

/**
 * Semgrep: required by the shipped policies (the shipped image has it); 300 s, since
 * it is several times slower than Bandit per file.
 */
export const semgrepScanner = defineScanner({
  name: 'semgrep',
  title: 'Semgrep',
  driver: { name: 'Semgrep', informationUri: 'https://semgrep.dev/' },
  policySection: scannerSection(
    { mode: 'required', timeoutSeconds: 300 },
    {
      /** Relative to the policy file that names it; the loader makes it absolute (default: shipped policies/semgrep). */
      rulesDir: z.string().min(1).max(4096).optional(),
    },
  ),
  // `semgrep --version` prints the bare version; SEMGREP_ENABLE_VERSION_CHECK=0 in the image keeps it at ~1 s.
  probe: { argv: ['semgrep', '--version'], parseVersion: (out) => /\d+\.\d+\.\d+\S*/.exec(out)?.[0] },
  absentMessage:
    'semgrep is not installed in the sandbox image; only Bandit scanned (policy scanners.semgrep decides whether that fails the gate)',
  open(settings: SemgrepSettings) {
    const ruleMeta = loadSemgrepRuleMeta(settings.rulesDir);
    const knownIds = ruleMeta.map((r) => r.id);
    return {
      argv: (files: readonly string[]) => semgrepArgv(files, settings.ignoreNosec),
      container: {
        env: { SEMGREP_SEND_METRICS: 'off', SEMGREP_ENABLE_VERSION_CHECK: '0' },
        readOnlyMounts: [{ host: path.resolve(settings.rulesDir), container: SEMGREP_RULES_MOUNT }],
      },
      // 0: no findings, 1: findings (with --error) or some errors; anything else is a crash.
      okExitCodes: [0, 1],
      parse(stdout: string, root: string) {
        const p = parseSemgrepJson(stdout, root, knownIds);
        return {
          findingsByPath: p.findingsByPath,
          rules: [],
          covered: p.scannedPaths,
          // An error that names no file at level `error` (a rule that failed to load) means rules did not run.
          globalErrors: p.errors
            .filter((e) => e.path === undefined)
            .map((e) => ({ message: e.message, fatal: e.level === 'error' })),
          ...(p.version ? { version: p.version } : {}),
        };
      },
      rules: (fired: ReadonlySet<string>) => ruleMeta.filter((r) => fired.has(r.id)),
    };
  },
});

export interface RunSemgrepOptions {
  root: string;
  files: string[];
  sandbox: SandboxConfig;
  limits: SandboxLimits;
  rulesDir: string;
  /** Policy `scanners.semgrep.ignoreNosec` (default true): `# nosemgrep` in generated code is not honoured. */
  ignoreNosem: boolean;
  timeoutSeconds: number;
}

/** Semgrep alone (tests, bench); the gate's scan stage goes through the registry. */
export function runSemgrep(opts: RunSemgrepOptions, runner: HardenedRunner): Promise<ScanOutcome> {
  const { rulesDir, ignoreNosem, timeoutSeconds, ...run } = opts;
  return runScanner(
    semgrepScanner,
    { mode: 'required', rulesDir, ignoreNosec: ignoreNosem, timeoutSeconds },
    run,
    runner,
  );
}

export type SemgrepDetection = ScannerDetection;

/** Is `semgrep` in the image? Runs `semgrep --version` under the hardened flags. */
export function detectSemgrep(
  sandbox: SandboxConfig,
  limits: SandboxLimits,
  runner: HardenedRunner,
): Promise<SemgrepDetection> {
  return detectScanner(semgrepScanner, sandbox, limits, runner);
}

/** scannerGap for Semgrep (kept for its callers and tests). */
export function semgrepGap(
  mode: ScannerMode,
  status: ScannerStatus | undefined,
): { failsGate: boolean; notice?: string } {
  return scannerGap('Semgrep', mode, status);
}
