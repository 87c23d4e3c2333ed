import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tryRunCommand } from '../../../src/exec/run-command.js';

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
  it('has the three documented workflows', () => {
    expect(files.sort()).toEqual(['airlock-gate.yml', 'airlock-pr.yml', 'airlock-publish.yml']);
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
        if (s.uses && !s.uses.startsWith('OWNER/airlock@')) expect(s.uses, f).toMatch(/@[0-9a-f]{40}$/);
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
    const airlock = steps(w).find((s) => s.uses?.startsWith('OWNER/airlock@'));
    expect(airlock?.with?.['upload-sarif']).toBe('false');
    expect(steps(w).some((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBe(true);
  });

  it('airlock-publish.yml: never checks out or runs PR code; downloads outside the workspace', () => {
    const w = load('airlock-publish.yml');
    expect(Object.keys(w.on)).toEqual(['workflow_run']);
    expect(w.permissions).toEqual({});
    const all = steps(w);
    expect(all.some((s) => s.uses?.startsWith('actions/checkout@'))).toBe(false);
    expect(all.some((s) => s.uses?.startsWith('OWNER/airlock@'))).toBe(false);
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
