import type { SandboxConfig, SandboxLimits } from '../sandbox/types.js';
import { parseBanditJson } from './bandit-parse.js';
import { asDotSlashArg } from './report-paths.js';
import { detectScanner, runScanner } from './run-scanner.js';
import { defineScanner, type ScannerSettingsBase, scannerSection } from './scanner.js';
import type { HardenedRunner, ScanOutcome } from './types.js';

/**
 * The Bandit command line. `--ini /dev/null`: Bandit reads a project `.bandit` file
 * found under its targets, which would let the scanned code skip tests or exclude
 * itself; an unreadable ini disables that (Bandit only warns). Files are passed
 * explicitly after `--` with `./` in front, never `-r .`, so Bandit's default
 * excludes (a substring match on `.git`, `.tox`...) cannot silently skip a file.
 */
export function banditArgv(files: readonly string[], ignoreNosec: boolean): string[] {
  return [
    'bandit',
    '-f',
    'json',
    '-q',
    '--ini',
    '/dev/null',
    ...(ignoreNosec ? ['--ignore-nosec'] : []),
    '--',
    ...files.map(asDotSlashArg),
  ];
}

/** Bandit: required by default, 120 s (a batch of hundreds of scripts takes seconds). */
export const banditScanner = defineScanner({
  name: 'bandit',
  title: 'Bandit',
  driver: { name: 'Bandit', informationUri: 'https://bandit.readthedocs.io/' },
  policySection: scannerSection({ mode: 'required', timeoutSeconds: 120 }),
  // The JSON report does not carry Bandit's version; `bandit --version` prints "bandit 1.9.4".
  probe: { argv: ['bandit', '--version'], parseVersion: (out) => /^bandit (\S+)/m.exec(out)?.[1] },
  absentMessage:
    'bandit is not installed in the sandbox image (policy scanners.bandit decides whether that fails the gate)',
  open: (settings: ScannerSettingsBase) => ({
    argv: (files) => banditArgv(files, settings.ignoreNosec),
    // Bandit exits 0 (no issues) or 1 (issues found); both are a completed scan.
    okExitCodes: [0, 1],
    parse(stdout, root) {
      const p = parseBanditJson(stdout, root);
      return {
        findingsByPath: p.findingsByPath,
        rules: p.rules,
        covered: p.reportedPaths,
        // Bandit's file-less errors (a result outside the root) are notes, not a failed scan.
        globalErrors: p.errors
          .filter((e) => e.path === undefined)
          .map((e) => ({ message: e.message, fatal: false })),
      };
    },
  }),
});

export interface RunBanditOptions {
  root: string;
  files: string[];
  sandbox: SandboxConfig;
  limits: SandboxLimits;
  /** Policy `scanners.bandit.ignoreNosec` (default true): generated code can carry `# nosec` to hide itself. */
  ignoreNosec: boolean;
  timeoutSeconds: number;
}

/**
 * Bandit alone (tests, bench): the scan, with `bandit --version` in its own container
 * beside it (the gate's scan stage starts that probe itself).
 */
export async function runBandit(opts: RunBanditOptions, runner: HardenedRunner): Promise<ScanOutcome> {
  const { ignoreNosec, timeoutSeconds, ...run } = opts;
  const detection = detectScanner(banditScanner, opts.sandbox, { ...opts.limits, timeoutSeconds }, runner);
  return runScanner(banditScanner, { mode: 'required', ignoreNosec, timeoutSeconds }, run, runner, detection);
}
