import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isScalar, parse, parseDocument, visit } from 'yaml';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { AIRLOCK_ACTION, lintWorkflow, workflowBlocks } from '../../helpers/workflow-lint.js';

/**
 * The example workflows users copy: GitHub's own parser accepts them, and the
 * security properties docs/github.md promises hold in the files themselves.
 */
const DIR = 'examples/workflows';
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const load = (name: string) => parse(readFileSync(join(DIR, name), 'utf8')) as Workflow;
const text = (name: string) => readFileSync(join(DIR, name), 'utf8');
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const writes = (p: Record<string, string> | undefined) =>
  Object.entries(p ?? {})
    .filter(([, v]) => v === 'write')
    .map(([k]) => k)
    .sort();

describe('examples/workflows', () => {
  it('has the four documented workflows', () => {
    expect(files.sort()).toEqual([
      'airlock-gate.yml',
      'airlock-pr.yml',
      'airlock-publish.yml',
      'airlock-sharded.yml',
    ]);
  });

  it("every file passes GitHub's workflow parser", async () => {
    // The parser runs in a child process (see test/integration/ops/parse-workflows.ts for why).
    const r = await tryRunCommand(
      'node',
      ['--import', 'tsx', 'test/integration/ops/parse-workflows.ts', ...files.map((f) => join(DIR, f))],
      { timeoutMs: 60_000 },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const errors = JSON.parse(r.stdout) as Record<string, string[]>;
    for (const f of files) expect({ [f]: errors[join(DIR, f)] }).toEqual({ [f]: [] });
  });

  it('no workflow uses pull_request_target, grants write at workflow level, or pastes expressions into a shell', () => {
    for (const f of files) {
      const w = load(f);
      expect(Object.keys(w.on), f).not.toContain('pull_request_target');
      expect(writes(w.permissions), f).toEqual([]);
      for (const s of steps(w)) {
        // Template injection: values reach scripts through env, never pasted into them.
        if (s.run) expect(s.run, f).not.toContain('${{');
        // Every third-party action is pinned to a full commit SHA.
        if (s.uses && !s.uses.startsWith(`${AIRLOCK_ACTION}@`)) expect(s.uses, f).toMatch(/@[0-9a-f]{40}$/);
      }
    }
  });

  it('airlock-gate.yml: security-events write only in jobs that upload; the signing key only on push', () => {
    const w = load('airlock-gate.yml');
    expect(writes(w.jobs.pr?.permissions)).toEqual(['security-events']);
    expect(writes(w.jobs.main?.permissions)).toEqual(['contents', 'security-events']);
    expect(JSON.stringify(w.jobs.pr)).not.toContain('secrets.');
    expect(w.jobs.main?.if).toContain("'push'");
  });

  it('airlock-pr.yml: read-only, no secrets, no upload, hands results over as an artifact', () => {
    const w = load('airlock-pr.yml');
    expect(Object.keys(w.on)).toEqual(['pull_request']);
    for (const j of Object.values(w.jobs)) expect(writes(j.permissions)).toEqual([]);
    expect(text('airlock-pr.yml')).not.toMatch(/\$\{\{[^}]*secrets\./);
    const airlock = steps(w).find((s) => s.uses?.startsWith(`${AIRLOCK_ACTION}@`));
    expect(airlock?.with?.['upload-sarif']).toBe('false');
    expect(steps(w).some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('airlock-sharded.yml: plan -> matrix of gates -> merge; only the merge writes or holds the key', () => {
    const w = load('airlock-sharded.yml') as Workflow & {
      jobs: Record<string, Job & { needs?: string[] | string; strategy?: { matrix: string } }>;
    };
    expect(Object.keys(w.jobs)).toEqual(['plan', 'gate', 'merge']);
    const { plan, gate, merge } = w.jobs;
    expect(plan?.permissions).toEqual({ contents: 'read' });
    expect(gate?.permissions).toEqual({ contents: 'read' });
    expect(writes(merge?.permissions)).toEqual(['contents', 'security-events']);
    for (const j of [plan, gate]) expect(JSON.stringify(j)).not.toContain('secrets.');
    expect(JSON.stringify(merge)).toContain('secrets.AIRLOCK_SIGNING_KEY');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    expect(gate?.strategy?.matrix).toBe('${{ fromJSON(needs.plan.outputs.matrix) }}');
    expect(gate?.needs).toBe('plan');
    expect(merge?.needs).toEqual(['plan', 'gate']);
    // The commands are this CLI's: plan, gate --plan --shard, merge --plan.
    const runs = steps(w)
      .map((s) => s.run ?? '')
      .join('\n');
    expect(runs).toMatch(/dist\/cli\.js plan .*--shards/);
    expect(runs).toMatch(/dist\/cli\.js gate --plan .* --shard "\$SHARD" --image "\$IMAGE"/);
    expect(runs).toMatch(/dist\/cli\.js merge --plan/);
  });

  it('airlock-publish.yml: never checks out or runs PR code; downloads outside the workspace', () => {
    const w = load('airlock-publish.yml');
    expect(Object.keys(w.on)).toEqual(['workflow_run']);
    expect(w.permissions).toEqual({});
    const all = steps(w);
    expect(all.some((s) => s.uses?.startsWith('actions/checkout@'))).toBe(false);
    expect(all.some((s) => s.uses?.startsWith(`${AIRLOCK_ACTION}@`))).toBe(false);
    const download = all.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with?.path).toMatch(/^\$\{\{ runner\.temp \}\}/);
    // The PR number comes out of the validation step, never straight from the artifact.
    const upload = all.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    expect(upload?.with?.ref).toBe('refs/pull/${{ steps.pr.outputs.number }}/head');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
    expect(upload?.with?.sha).toBe('${{ github.event.workflow_run.head_sha }}');
  });
});

/**
 * Every workflow in the repository, and every whole workflow shown in the README and
 * docs, passes the linter (test/helpers/workflow-lint.ts: zizmor's and actionlint's
 * rules that matter here; test/unit/project/workflow-lint.test.ts shows each rule
 * catching its mistake).
 */
const WORKFLOW_DIRS = ['.github/workflows', 'examples/workflows'];
const MARKDOWN = [
  'README.md',
  ...readdirSync('docs', { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];

const workflowFiles = WORKFLOW_DIRS.flatMap((d) =>
  readdirSync(d)
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(d, f)),
);
const sources: [string, string][] = [
  ...workflowFiles.map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
  ...MARKDOWN.flatMap((f) =>
    workflowBlocks(readFileSync(f, 'utf8')).map((y, i): [string, string] => [`${f} #${i + 1}`, y]),
  ),
];

/**
 * The pins, checked against each action's own repository (the tag's commit) on
 * 2026-12-06. A new pin goes here after the same check; the test keeps every file on
 * the same commit for the same action.
 */
const VERIFIED_PINS: Record<string, { sha: string; version: string }> = {
  'actions/checkout': { sha: '11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' },
  'actions/setup-node': { sha: '49933ea5288caeca8642d1e84afbd3f7d6820020', version: 'v4.4.0' },
  'actions/upload-artifact': { sha: 'ea165f8d65b6e75b540449e92b4886f43607fa02', version: 'v4.6.2' },
  'actions/download-artifact': { sha: 'd3f86a106a0bac45b974a628896c90dbdf5c8093', version: 'v4.3.0' },
  'github/codeql-action/upload-sarif': {
    sha: '9e907b5e64f6b83e7804b09294d44122997950d6',
    version: 'v4.32.3',
  },
  'actions/attest-sbom': { sha: 'bd218ad0dbcb3e146bd073d1d9c6d78e08aa8a0b', version: 'v2.4.0' },
  'actions/attest-build-provenance': { sha: 'e8998f949152b193b063cb0ec769d69d929409be', version: 'v2.4.0' },
  // Not checked: the copy of anchore/sbom-action available here ends at v0.24.0.
  'anchore/sbom-action': { sha: '3ad7283483fc7af8ff2b4ea19663c2d5ca935e26', version: 'v0.24.2' },
};

describe('every workflow in the repository passes the workflow lint', () => {
  it('finds the workflows: both folders and the README quick start', () => {
    expect(workflowFiles).toEqual(
      expect.arrayContaining(['.github/workflows/ci.yml', 'examples/workflows/airlock-gate.yml']),
    );
    expect(sources.map(([name]) => name)).toContain('README.md #1');
  });

  it.each(sources.filter(([name]) => name.includes('.md #')))(
    "%s passes GitHub's workflow parser",
    async (_name, text) => {
      const r = await tryRunCommand(
        'node',
        ['--import', 'tsx', 'test/integration/ops/parse-workflows.ts', '-'],
        {
          timeoutMs: 60_000,
          input: text,
        },
      );
      expect(r.exitCode, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ '-': [] });
    },
  );

  it.each(sources)('%s', (_name, text) => {
    expect(lintWorkflow(text)).toEqual([]);
  });

  it.each(sources)('%s pins only reviewed commits', (_name, text) => {
    visit(parseDocument(text), {
      Pair(_k, pair) {
        if (!isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value)) return;
        const uses = String(pair.value.value);
        if (uses.startsWith('./') || uses.startsWith(`${AIRLOCK_ACTION}@`)) return;
        const [action, sha] = uses.split('@');
        expect({ uses, version: pair.value.comment?.trim() }).toEqual({
          uses: `${action}@${VERIFIED_PINS[action!]?.sha ?? sha}`,
          version: VERIFIED_PINS[action!]?.version ?? 'a reviewed pin (add it to VERIFIED_PINS)',
        });
      },
    });
  });
});
