import { z } from 'zod';
import { matchEgress, ruleFromEntry } from '../egress/allowlist.js';
import { DEFAULT_FLAVOR, IMAGE_FLAVORS, LOCAL_IMAGE_TAGS } from '../image/flavor.js';
import { profileMemoryProblem } from '../sandbox/container-spec.js';
import type { SandboxLimits } from '../sandbox/types.js';
import { globProblem } from '../assess/glob.js';
import { SCANNER_IDS, SCANNERS } from '../scan/registry.js';
import { EgressSchema, InstallSchema } from './schema-egress.js';
import {
  DEFAULT_FAIL_ON,
  DEFAULT_LIMITS,
  DEFAULT_SANDBOX,
  FAIL_ON_OUTCOMES,
  STANDARD_PROFILE,
} from './defaults.js';

/**
 * The policy file's shape (docs/policy.md documents every field). Every object is
 * strict: an unknown key is an error, so a typo (`timeout:` for `timeoutSeconds:`)
 * cannot silently leave a limit at its default.
 *
 * Nested objects use `.prefault({})` (not `.default`) so their own field defaults
 * apply when the whole object is left out.
 */

export const LEVELS = ['low', 'high', 'blocked'] as const;
const Level = z.enum(LEVELS);
const Grade = z.enum(['low', 'medium', 'high']);
// `airlock` is the gate's own findings (scan errors); the rest are the registry's scanners.
const Tool = z.enum(['airlock', ...SCANNER_IDS] as [(typeof SCANNER_IDS)[number] | 'airlock']);
const Seconds = z.number().int().min(1).max(86_400);

/** Profile names become part of reports and container names: keep them plain. */
export const PROFILE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
const ProfileName = z
  .string()
  .regex(PROFILE_NAME, 'expected a profile name like "standard" ([a-z][a-z0-9-]*)');

// Rule ids as Bandit (`B307`) and Semgrep (`rules.eqeq-is-bad`, `airlock.exec-dynamic-code`) print them.
const RULE_ID_CHARS = /^[A-Za-z0-9._:/-]+$/;
const RULE_ID_GLOB_CHARS = /^[A-Za-z0-9._:/*?!{},[\]-]+$/;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

/** Syntax the linear-time matcher (src/assess/glob.ts) does not take is an error here, not a silent miss. */
function checkGlob(g: string, ctx: z.RefinementCtx): void {
  const problem = globProblem(g);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected a glob: ${problem}` });
}

/** A workspace-relative glob: an absolute or `..` pattern would reach files Airlock never scans. */
const RelativeGlob = z
  .string()
  .min(1)
  .max(500)
  .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), {
    message: 'expected a workspace-relative glob (no leading "/", no ".." segment)',
  })
  .superRefine(checkGlob);

const limitField = <K extends keyof SandboxLimits>(key: K, schema: z.ZodNumber) =>
  schema.default(STANDARD_PROFILE[key]);

/** One named set of sandbox limits (src/sandbox/types.ts). Bounds catch unit mix-ups (bytes for MiB). */
export const ProfileSchema = z
  .strictObject({
    timeoutSeconds: limitField('timeoutSeconds', Seconds),
    memoryMb: limitField('memoryMb', z.number().int().min(16).max(65_536)),
    cpus: limitField('cpus', z.number().min(0.01).max(64)),
    pids: limitField('pids', z.number().int().min(1).max(32_768)),
    tmpfsMb: limitField('tmpfsMb', z.number().int().min(1).max(65_536)),
    outputMb: limitField('outputMb', z.number().int().min(1).max(65_536)),
    nofile: limitField('nofile', z.number().int().min(16).max(1_048_576)),
    fsizeMb: limitField('fsizeMb', z.number().int().min(1).max(65_536)),
    maxOutputBytes: limitField(
      'maxOutputBytes',
      z
        .number()
        .int()
        .min(1024)
        .max(256 * 1024 * 1024),
    ),
    maxArtifacts: limitField('maxArtifacts', z.number().int().min(0).max(100_000)),
    /** Absent or an empty list: no network at all (the shipped profiles). docs/egress.md. */
    egress: EgressSchema.optional(),
    /** pip install of pinned, hashed requirements through `egress`, then the script with none. docs/egress.md. */
    install: InstallSchema.optional(),
  })
  .superRefine((profile, ctx) => {
    // The sandbox's own statement of the rule (tmpfs pages are charged to the memory limit).
    const problem = profileMemoryProblem(profile);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: profile });
    const index = profile.install ? URL.parse(profile.install.index) : null;
    if (profile.install && index) {
      const rules = (profile.egress?.allow ?? []).map((e) =>
        typeof e === 'string' ? ruleFromEntry(e) : ruleFromEntry(e.host, e.methods, e.paths),
      );
      const port = Number(index.port || 443);
      // Checked here so a policy whose install could never reach its index fails at load.
      if (!matchEgress(rules, { host: index.hostname, port }).allowed) {
        ctx.addIssue({
          code: 'custom',
          path: ['install', 'index'],
          message: `expected the index's host ${index.hostname}:${port} on this profile's egress.allow (and the host serving its files, e.g. files.pythonhosted.org for pypi.org)`,
        });
      }
    }
  });

/**
 * `scanners.<name>`: one section per registered scanner (src/scan/registry.ts), each
 * with the schema and defaults its definition declares (mode, timeoutSeconds,
 * ignoreNosec and the scanner's own fields, such as Semgrep's rulesDir).
 */
type ScannerSectionsShape = {
  [S in (typeof SCANNERS)[number] as S['name']]: z.ZodPrefault<S['policySection']>;
};
const scannerSections = Object.fromEntries(
  SCANNERS.map((s) => [s.name, s.policySection.prefault({})]),
) as unknown as ScannerSectionsShape;

export const LevelRuleSchema = z.strictObject({
  /** Omitted: any tool. */
  tool: Tool.optional(),
  /** A glob over rule ids (src/assess/glob.ts), e.g. `B6*` or `airlock.*`. */
  ruleId: z
    .string()
    .min(1)
    .max(200)
    .regex(RULE_ID_GLOB_CHARS, 'expected a rule id or glob like "B307" or "B6*"')
    .superRefine(checkGlob),
  minSeverity: Grade.default('low'),
  minConfidence: Grade.default('low'),
  level: Level,
  /** Why this mapping: shown in reports. */
  why: z.string().max(500).optional(),
});

const LevelsSchema = z.strictObject({
  /** Ordered: the first matching rule decides a finding's level. */
  rules: z.array(LevelRuleSchema).max(2000).default([]),
  // Fail closed: a policy that does not know a finding does not trust it.
  unmatched: Level.default('blocked'),
  // A file a scanner could not parse must not pass as clean.
  scannerError: Level.default('blocked'),
});

const RunLevelSchema = z.strictObject({
  run: z.boolean().default(true),
  profile: ProfileName.optional(),
  /**
   * Whether this level's scripts get their profile's egress. Low: yes unless turned
   * off; high: only when the policy says so here, whatever the profile allows.
   */
  egress: z.boolean().optional(),
});

const ExecuteSchema = z.strictObject({
  low: RunLevelSchema.prefault({ profile: 'standard' }),
  high: RunLevelSchema.prefault({ profile: 'restricted' }),
  // Blocked never runs: there is no setting that turns the gate off for it.
  blocked: z
    .strictObject({ run: z.literal(false, 'blocked scripts never run: expected false') })
    .prefault({ run: false }),
  /**
   * Which scripts run when the verdict cache reused a script's scan (docs/cache.md):
   * `all`, or only `changed` ones. Absent: `changed` on pull requests, `all` otherwise.
   */
  scripts: z.enum(['all', 'changed']).optional(),
});

/**
 * `uid:gid`, both explicit: the engine runs a bare uid with gid 0, root's group. Root
 * (0) in either place is refused, and so are ids past 2^31-1, which the runtime
 * cannot use (every run would end 126 instead of a configuration error here).
 */
const SandboxUser = z.preprocess(
  // YAML reads `user: 10001` as a number: kept as text so the message below explains.
  (u) => (typeof u === 'number' && Number.isInteger(u) ? String(u) : u),
  z
    .string()
    .regex(
      /^\d{1,10}:\d{1,10}$/,
      'expected "uid:gid" with both numeric ids (a uid alone runs with gid 0, root\'s group)',
    )
    .refine((u) => u.split(':').every((id) => Number(id) !== 0), {
      message: 'expected a non-root uid:gid (0 is root: the sandbox never runs as root)',
    })
    .refine((u) => u.split(':').every((id) => Number(id) <= 2 ** 31 - 1), {
      message: 'expected ids of at most 2147483647',
    }),
);

const SandboxSchema = z
  .strictObject({
    // core (no browser) unless the scripts need Chromium/Mermaid: src/image/flavor.ts.
    flavor: z.enum(IMAGE_FLAVORS).default(DEFAULT_FLAVOR),
    // A ref starting with "-" would be read by docker as a flag. Absent: the flavor's
    // local tag (airlock-sandbox:local for core), which the Action maps to the
    // flavor's published image.
    image: z
      .string()
      .max(255)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, 'expected an image reference like "airlock-sandbox:local"')
      .optional(),
    runtime: z.enum(['runc', 'runsc']).default(DEFAULT_SANDBOX.runtime),
    user: SandboxUser.default(DEFAULT_SANDBOX.user),
    parallelism: z.number().int().min(0).max(64).default(DEFAULT_SANDBOX.parallelism),
    // Absent: auto-detected (src/sandbox/engine-select.ts).
    engine: z.enum(['docker', 'podman']).optional(),
  })
  .transform((s) => ({ ...s, image: s.image ?? LOCAL_IMAGE_TAGS[s.flavor] }));

export const AllowlistEntrySchema = z.strictObject({
  tool: Tool,
  // Exact, never a glob: a wildcard suppression would also hide findings nobody reviewed.
  ruleId: z
    .string()
    .min(1)
    .max(200)
    .regex(RULE_ID_CHARS, 'expected an exact rule id like "B101" (no wildcards)'),
  paths: z.array(RelativeGlob).min(1).max(200),
  justification: z
    .string()
    .max(2000)
    .refine((s) => s.trim().length > 0, { message: 'expected a non-empty justification' }),
  expires: z.string().refine(isCalendarDate, { message: 'expected an ISO date YYYY-MM-DD' }),
});

/** The hard ceiling of `limits.maxDataFiles`: the audit line bound below. */
export const MAX_DATA_FILES = 1000;

const LimitsSchema = z.strictObject({
  maxFiles: z.number().int().min(1).max(100_000).default(DEFAULT_LIMITS.maxFiles),
  maxFileBytes: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .default(DEFAULT_LIMITS.maxFileBytes),
  // The audit's run.start entry lists every data file: 1000 x (512-byte path + hash) < 1 MiB.
  maxDataFiles: z.number().int().min(1).max(MAX_DATA_FILES).default(DEFAULT_LIMITS.maxDataFiles),
  maxDataBytes: z
    .number()
    .int()
    .min(1)
    .max(8 * 1024 ** 3)
    .default(DEFAULT_LIMITS.maxDataBytes),
});

/**
 * `data:`: read-only inputs the scripts may read, as workspace-relative globs (docs/policy.md).
 * A hidden segment is refused here: `.git` holds the checkout's token, `.env` secrets; the
 * stage never shows a script a hidden file, and data must not be the way around that.
 */
const DataGlob = RelativeGlob.refine((g) => !g.split('/').some((seg) => seg.startsWith('.') && seg !== '.'), {
  message:
    'expected a glob of visible files (no segment starting with ".": .git, .env and other hidden files are never mounted)',
}).refine((g) => !g.startsWith('!') && !g.includes('\\'), {
  // Each glob adds files; fast-glob would read an escaped `\.\.` as `..`.
  message:
    'expected a glob that adds files: no leading "!" (exclusion) and no "\\" escapes (use [*] for a literal *)',
});

export const PolicySchema = z.strictObject({
  version: z.literal(1, 'expected version: 1'),
  name: z.string().min(1).max(100).optional(),
  /** A shipped name (`default`, `strict`) or a path relative to this file. */
  extends: z.string().min(1).max(4096).optional(),
  scanners: z.strictObject(scannerSections).prefault({}),
  levels: LevelsSchema.prefault({}),
  execute: ExecuteSchema.prefault({}),
  profiles: z.record(ProfileName, ProfileSchema).default({}),
  sandbox: SandboxSchema.prefault({}),
  allowlist: z.array(AllowlistEntrySchema).max(5000).default([]),
  limits: LimitsSchema.prefault({}),
  /** Read-only inputs mounted at their workspace-relative paths; default none. */
  data: z.array(DataGlob).max(100).default([]),
  failOn: z
    .array(z.enum(FAIL_ON_OUTCOMES))
    .refine((a) => new Set(a).size === a.length, { message: 'expected each outcome at most once' })
    .default(DEFAULT_FAIL_ON),
});

export type PolicyDocument = z.output<typeof PolicySchema>;
export type LevelRule = z.output<typeof LevelRuleSchema>;
export type AllowlistEntry = z.output<typeof AllowlistEntrySchema>;
export type ScannerSettings = PolicyDocument['scanners'];
export type ExecuteSettings = PolicyDocument['execute'];
