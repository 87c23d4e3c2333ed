import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';

/**
 * A workflow linter for the rules zizmor and actionlint enforce that matter for
 * Airlock's own and example workflows. Each rule names the attack or failure it
 * prevents; `lintWorkflow` returns one finding per violation with its line, so a
 * test can show exactly what broke.
 *
 * This is a test helper, not product code: the workflows are ours and small, and the
 * rules are stricter than the tools' defaults where the stricter form is as easy to
 * follow (no `${{ }}` in any `run:`, not only attacker-controlled ones).
 */

/** The repository users install the Action from (README, docs/releasing.md). */
export const AIRLOCK_ACTION = 'airlock-ci/airlock';
/**
 * Airlock's own moving major tag: the one reference allowed without a commit SHA,
 * because no release commit exists to pin yet; docs/releasing.md shows the pinned form.
 */
export const AIRLOCK_ACTION_REF = `${AIRLOCK_ACTION}@v0`;
/** zizmor's inline suppression, required on that one reference (zizmor checks the pin otherwise). */
export const ZIZMOR_IGNORE_UNPINNED = 'zizmor: ignore[unpinned-uses]';

export type Rule =
  | 'unpinned-uses'
  | 'persisted-credentials'
  | 'workflow-permissions'
  | 'job-permissions'
  | 'install-with-write'
  | 'cancel-during-publish'
  | 'always-without-guard'
  | 'paths-on-required-check'
  | 'template-injection'
  | 'pull-request-target';

export interface Finding {
  rule: Rule;
  line: number;
  message: string;
}

const SHA_PIN = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/;
const VERSION_COMMENT = /^\s*v\d+\.\d+\.\d+\s*$/;
const DOCKER_DIGEST = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;
/** Package installs run the packages' own scripts (npm lifecycle, setup.py): never next to a write token. */
const INSTALL = /\b(npm\s+(ci|install|i)|yarn(\s+install)?|pnpm\s+(i|install)|pip3?\s+install)\b/;
/** Conditions that run a step after an earlier one failed. */
const RUNS_AFTER_FAILURE = /\b(always|failure)\(\)|!\s*cancelled\(\)/;

type Json = Record<string, unknown>;

function get(map: unknown, key: string): Node | undefined {
  return isMap(map) ? ((map as YAMLMap).get(key, true) as Node | undefined) : undefined;
}

function js(node: unknown): unknown {
  return node && typeof (node as Node).toJSON === 'function' ? (node as Node).toJSON() : node;
}

/** The Airlock step: this repository's own `./`, or any `<owner>/airlock@` (forks and mirrors too). */
function isAirlockStep(uses: string | undefined): boolean {
  return uses !== undefined && (uses === './' || /^[^/]+\/airlock@/.test(uses));
}

type Report = (rule: Rule, node: unknown, message: string) => void;

export function lintWorkflow(text: string): Finding[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) throw new Error(`not YAML: ${doc.errors[0]!.message}`);
  const findings: Finding[] = [];
  const lineOf = (node: unknown) =>
    node && (node as Node).range ? lines.linePos((node as Node).range![0]).line : 0;
  const report: Report = (rule, node, message) => findings.push({ rule, line: lineOf(node), message });

  const root = doc.contents;
  lintTriggers(get(root, 'on'), report);
  const permissions = get(root, 'permissions');
  const topPerms = js(permissions);
  if (!topPerms || typeof topPerms !== 'object' || Object.keys(topPerms).length > 0) {
    report(
      'workflow-permissions',
      permissions ?? root,
      'workflow-level permissions must be {} (each job grants its own)',
    );
  }
  const jobs = get(root, 'jobs');
  if (isMap(jobs)) {
    for (const pair of jobs.items)
      lintJob(String(js(pair.key)), pair.key, pair.value, get(root, 'concurrency'), report);
  }
  return findings;
}

function lintTriggers(on: Node | undefined, report: Report): void {
  const triggers = isMap(on)
    ? (js(on) as Json)
    : isSeq(on)
      ? Object.fromEntries((js(on) as string[]).map((t) => [t, null]))
      : { [String(js(on))]: null };
  if ('pull_request_target' in triggers) {
    report('pull-request-target', on, 'pull_request_target runs PR code next to a write token and secrets');
  }
  for (const event of ['pull_request', 'push', 'merge_group']) {
    const t = triggers[event] as Json | null | undefined;
    for (const filter of ['paths', 'paths-ignore']) {
      if (t && filter in t) {
        // A required check whose workflow a filter skips stays "expected" forever.
        report(
          'paths-on-required-check',
          get(get(on, event), filter),
          `${event}.${filter}: a required check must always report`,
        );
      }
    }
  }
}

function lintJob(
  id: string,
  key: unknown,
  job: unknown,
  topConcurrency: Node | undefined,
  report: Report,
): void {
  const perms = js(get(job, 'permissions'));
  if (perms === undefined || typeof perms !== 'object' || perms === null) {
    report('job-permissions', key, `job ${id}: needs an explicit permissions mapping`);
  }
  const writes = Object.entries((perms as Json | null) ?? {})
    .filter(([, v]) => v === 'write')
    .map(([k]) => k);
  const stepsNode = get(job, 'steps');
  const steps = isSeq(stepsNode) ? stepsNode.items : [];

  const airlock = steps.find((s) => isAirlockStep(js(get(s, 'uses')) as string | undefined));
  const airlockWith = (js(get(airlock, 'with')) ?? {}) as Json;
  // The Action publishes the audit log when it signs and has a branch (the input's default is one).
  const publishesAudit =
    airlock !== undefined && !!airlockWith['signing-key'] && airlockWith['audit-branch'] !== '';
  const publishes = publishesAudit || writes.includes('contents') || writes.includes('packages');
  const jobCancel = js(get(get(job, 'concurrency'), 'cancel-in-progress'));
  const cancels = jobCancel !== undefined ? jobCancel : js(get(topConcurrency, 'cancel-in-progress'));
  if (publishes && cancels === true) {
    report(
      'cancel-during-publish',
      get(job, 'concurrency') ?? topConcurrency,
      `job ${id}: publishes, so a newer run must not cancel it midway`,
    );
  }

  const outputs = {
    id: js(get(airlock, 'id')) as string | undefined,
    dir: String(airlockWith['output-dir'] ?? '.airlock/out').replace(/\/$/, ''),
  };
  let afterAirlock = false;
  for (const step of steps) {
    lintStep(step, { job: id, writes, outputs: afterAirlock ? outputs : undefined }, report);
    if (step === airlock) afterAirlock = true;
  }
}

interface StepContext {
  job: string;
  /** Permissions the job holds for writing. */
  writes: string[];
  /** The Airlock step's id and output directory, for the steps after it. */
  outputs: { id: string | undefined; dir: string } | undefined;
}

function lintStep(step: unknown, ctx: StepContext, report: Report): void {
  const uses = js(get(step, 'uses')) as string | undefined;
  const run = js(get(step, 'run')) as string | undefined;
  const withs = js(get(step, 'with')) as Json | undefined;
  if (uses !== undefined) checkUses(get(step, 'uses') as Node, uses, report);
  if (uses?.startsWith('actions/checkout@')) {
    const persist = withs?.['persist-credentials'];
    if (persist !== false && persist !== 'false') {
      report('persisted-credentials', get(step, 'uses'), 'actions/checkout needs persist-credentials: false');
    }
  }
  if (run?.includes('${{')) {
    report(
      'template-injection',
      get(step, 'run'),
      'expressions reach a shell only through env:, never pasted into run:',
    );
  }
  if (uses?.startsWith('actions/github-script@') && String(withs?.script ?? '').includes('${{')) {
    report('template-injection', get(step, 'with'), 'github-script: pass expressions through env:');
  }
  if (run !== undefined && ctx.writes.length && INSTALL.test(run)) {
    report(
      'install-with-write',
      get(step, 'run'),
      `job ${ctx.job}: installs packages while holding ${ctx.writes.join(', ')}: write`,
    );
  }
  const cond = String(js(get(step, 'if')) ?? '');
  const out = ctx.outputs;
  if (
    out &&
    RUNS_AFTER_FAILURE.test(cond) &&
    `${run ?? ''}\n${JSON.stringify(withs ?? {})}`.includes(out.dir)
  ) {
    const guarded =
      cond.includes('hashFiles(') || (out.id !== undefined && cond.includes(`steps.${out.id}.outputs.`));
    if (!guarded) {
      report(
        'always-without-guard',
        get(step, 'if'),
        `runs after a failure but ${out.dir} may not exist: guard with hashFiles() or the Airlock step's outputs`,
      );
    }
  }
}

function checkUses(
  node: Node,
  uses: string,
  report: (rule: Rule, node: unknown, message: string) => void,
): void {
  if (uses.startsWith('./')) return;
  if (uses.startsWith('docker://')) {
    if (!DOCKER_DIGEST.test(uses)) report('unpinned-uses', node, `${uses}: pin the image by @sha256 digest`);
    return;
  }
  const comment = isScalar(node) ? node.comment : undefined;
  if (uses === AIRLOCK_ACTION_REF) {
    // The exception is spelt out where it is used, so zizmor skips it and a reader sees why.
    if (!comment?.includes(ZIZMOR_IGNORE_UNPINNED)) {
      report('unpinned-uses', node, `${uses}: the moving tag needs "# ${ZIZMOR_IGNORE_UNPINNED} <why>"`);
    }
    return;
  }
  if (!SHA_PIN.test(uses)) {
    report('unpinned-uses', node, `${uses}: pin to a full 40-hex commit SHA (a tag can be moved)`);
  } else if (!comment || !VERSION_COMMENT.test(comment)) {
    report('unpinned-uses', node, `${uses}: needs a "# vX.Y.Z" comment naming the release the SHA is`);
  }
}

/** The ```yaml blocks of a Markdown file that are whole workflows (have `on:` and `jobs:`). */
export function workflowBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ya?ml\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((y) => /^on:/m.test(y) && /^jobs:/m.test(y));
}
