import { z } from 'zod';
import type { Finding, ScannerStatus } from '../report/types.js';
import type { HardenedRunSpec } from '../sandbox/types.js';
import type { RuleMeta } from './types.js';

/**
 * One static analyser Airlock runs inside the sandbox image. Everything the gate needs
 * to know about a scanner lives in its definition (src/scan/bandit.ts,
 * src/scan/semgrep.ts) and the definitions are listed once, in src/scan/registry.ts:
 * the scan stage, the policy schema, the SARIF writer, the report and the summary
 * iterate that list and never name a scanner. docs/design.md shows adding one.
 */
export interface Scanner<
  Name extends string = string,
  Section extends z.ZodObject = z.ZodObject,
  Settings extends ScannerSettingsBase = ScannerSettingsBase,
> {
  /** Report/SARIF/policy id: `scanners.<name>` in the policy, `tool: <name>` on findings. */
  readonly name: Name;
  /** For people: "Bandit". */
  readonly title: string;
  /** SARIF `tool.driver` (its `version` comes from the run). */
  readonly driver: { name: string; informationUri: string };
  /** The policy section `scanners.<name>`: mode, timeoutSeconds, ignoreNosec and the scanner's own fields. */
  readonly policySection: Section;
  /** `<tool> --version` (or the like) and how to read its output: the availability probe. */
  readonly probe: { argv: readonly string[]; parseVersion(stdout: string): string | undefined };
  /** Shown when the image lacks the scanner's executable. */
  readonly absentMessage: string;
  /** Per run: argv, container extras and the output parser, bound to the policy section. */
  open(settings: Settings): ScannerSession;
}

/** Fields every scanner's policy section has (scannerSection below gives them their schema). */
export interface ScannerSettingsBase {
  mode: ScannerMode;
  timeoutSeconds: number;
  ignoreNosec: boolean;
}

export type ScannerMode = 'required' | 'optional' | 'off';

export interface ScannerSession {
  /** The command for one batch of relative paths (never a shell string). */
  argv(files: readonly string[]): string[];
  /** Extra environment and read-only mounts for the scanner's container. */
  container?: Pick<HardenedRunSpec, 'env' | 'readOnlyMounts'>;
  /** Exit codes that mean "completed" (with or without findings). */
  okExitCodes: readonly number[];
  /**
   * Parses one batch's stdout. Throws on output that is not the scanner's report (a
   * crash, a truncated stream): the scanner is then `failed` and the gate fails closed.
   */
  parse(stdout: string, root: string, batch: readonly string[]): BatchResult;
  /** Rule descriptions for the SARIF writer, given the rule ids that fired. */
  rules?(fired: ReadonlySet<string>): RuleMeta[];
}

export interface BatchResult {
  findingsByPath: Map<string, Finding[]>;
  rules: RuleMeta[];
  /**
   * Relative paths the scanner says it read: a file asked for and not in here gets a
   * scan-error finding. Derive it from the scanner's own report (Bandit's metrics,
   * Semgrep's paths.scanned), never from `batch` unless the tool fails on a file it skips.
   */
  covered: ReadonlySet<string>;
  /** Problems naming no file; `fatal` ones mean the rules did not (all) run. */
  globalErrors: { message: string; fatal: boolean }[];
  /** When the report itself carries it (Semgrep does). */
  version?: string;
}

export const SCANNER_MODES = ['required', 'optional', 'off'] as const;
const Seconds = z.number().int().min(1).max(86_400);

/**
 * The schema of a policy section `scanners.<name>`: the common fields with this
 * scanner's defaults, plus its own fields. Strict, like every policy object: a typo
 * cannot silently leave a limit at its default.
 */
export function scannerSection<Extra extends z.ZodRawShape = Record<never, never>>(
  defaults: { mode: ScannerMode; timeoutSeconds: number },
  extra?: Extra,
) {
  return z.strictObject({
    mode: z.enum(SCANNER_MODES).default(defaults.mode),
    // Generated code can carry `# nosec` / `# nosemgrep` to hide itself: ignored by default.
    ignoreNosec: z.boolean().default(true),
    timeoutSeconds: Seconds.default(defaults.timeoutSeconds),
    ...(extra ?? ({} as Extra)),
  });
}

/** Typed identity: keeps a definition's literal name and section type for the registry. */
export function defineScanner<N extends string, S extends z.ZodObject, T extends ScannerSettingsBase>(
  s: Scanner<N, S, T>,
): Scanner<N, S, T> {
  return s;
}

/**
 * What a scanner's policy mode makes of its status:
 * - `off`: not run; no notice, no gap.
 * - `optional`: absent (`unavailable`) is a loud warning (job summary, CLI, SARIF
 *   notification) but not a gap; a scanner that ran and `failed` IS a gap.
 * - `required`: anything but `ran` is a gap: the gate fails closed (fail-on `scanner-gap`).
 */
export function scannerGap(
  title: string,
  mode: ScannerMode,
  status: ScannerStatus | undefined,
): { failsGate: boolean; notice?: string } {
  if (mode === 'off') return { failsGate: false };
  if (!status) return { failsGate: true, notice: `${title} did not run` };
  if (status.status === 'ran') return { failsGate: false };
  const why = status.message ?? `${title} ${status.status}`;
  if (status.status === 'unavailable' && mode === 'optional') return { failsGate: false, notice: why };
  return { failsGate: true, notice: why };
}
