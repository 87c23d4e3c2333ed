import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { tryRunCommand } from '../../../src/exec/run-command.js';

/**
 * Every workflow in .github/workflows/ is parsed by GitHub's own workflow parser
 * (@actions/workflow-parser: schema, expressions, job graph), so a typo fails CI
 * here instead of on GitHub after a release is cut.
 */

const DIR = '.github/workflows';
const files = readdirSync(DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

/** GitHub's parser, in a child process (see parse-workflows.ts for why). */
async function parserErrors(files: string[], input?: string): Promise<Record<string, string[]>> {
  const r = await tryRunCommand(
    'node',
    ['--import', 'tsx', 'test/integration/ops/parse-workflows.ts', ...files],
    {
      timeoutMs: 60_000,
      ...(input === undefined ? {} : { input }),
    },
  );
  if (r.exitCode !== 0) throw new Error(`workflow parser failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as Record<string, string[]>;
}

interface Step {
  uses?: string;
  run?: string;
  name?: string;
  id?: string;
}
interface Job {
  permissions?: Record<string, string> | string;
  needs?: string | string[];
  steps?: Step[];
}

describe('.github/workflows', () => {
  it('has workflow files', () => {
    expect(files).toContain('release-image.yml');
  });

  it('every file parses without errors', async () => {
    const paths = files.map((f) => join(DIR, f));
    const errors = await parserErrors(paths);
    expect(Object.keys(errors).sort()).toEqual([...paths].sort());
    for (const p of paths) expect({ [p]: errors[p] }).toEqual({ [p]: [] });
  });

  it('the parser check is not vacuous: a misspelt key is an error', async () => {
    const errors = await parserErrors(
      ['-'],
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n',
    );
    expect(errors['-']!.join('\n')).toContain('stepz');
  });

  it.each(files)('%s pins every third-party action by full commit SHA', (file) => {
    const wf = parse(readFileSync(join(DIR, file), 'utf8')) as { jobs: Record<string, Job> };
    for (const job of Object.values(wf.jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses || step.uses.startsWith('./') || step.uses.startsWith('docker://')) continue;
        expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      }
    }
  });
});

describe('release-image.yml', () => {
  const wf = parse(readFileSync(join(DIR, 'release-image.yml'), 'utf8')) as {
    permissions: unknown;
    jobs: Record<string, Job>;
  };
  const jobs = wf.jobs;

  it('grants nothing by default and only what each job needs', () => {
    expect(wf.permissions).toEqual({});
    for (const job of Object.values(jobs)) expect(job.permissions).toBeTypeOf('object');
    expect(jobs['build-and-smoke']!.permissions).toEqual({ contents: 'read' });
    const writers = Object.entries(jobs).filter(([, j]) =>
      JSON.stringify(j.permissions).includes('packages'),
    );
    expect(writers.map(([id]) => id)).toEqual(['publish']);
    expect(jobs.publish!.permissions).toMatchObject({ 'id-token': 'write', attestations: 'write' });
  });

  it('pushes only after the smoke suite passed, and the image it tested', () => {
    const build = jobs['build-and-smoke']!.steps!;
    const at = (pred: (s: Step) => boolean) => build.findIndex(pred);
    const imageBuild = at((s) => s.run?.includes('dist/cli.js image build') ?? false);
    const smoke = at((s) => s.run?.includes('dist/cli.js smoke') ?? false);
    const save = at((s) => s.run?.includes('docker save') ?? false);
    expect(imageBuild).toBeGreaterThanOrEqual(0);
    expect(smoke).toBeGreaterThan(imageBuild);
    expect(save).toBeGreaterThan(smoke);
    expect(build.some((s) => s.run?.includes('docker push'))).toBe(false);
    expect(jobs.publish!.needs).toBe('build-and-smoke');
    const publish = jobs.publish!.steps!;
    const check = publish.findIndex((s) => s.run?.includes('is not the tested image') ?? false);
    const push = publish.findIndex((s) => s.run?.includes('docker push') ?? false);
    expect(check).toBeGreaterThanOrEqual(0);
    expect(push).toBeGreaterThan(check);
    const uses = publish.map((s) => s.uses?.split('@')[0]);
    expect(uses).toContain('actions/attest-build-provenance');
    expect(uses).toContain('actions/attest-sbom');
  });

  it('builds, smokes and saves both flavors, each smoke run told its flavor', () => {
    const build = jobs['build-and-smoke']!.steps!;
    const runs = build.map((s) => s.run ?? '').join('\n');
    for (const flavor of ['core', 'full']) {
      expect(runs).toMatch(new RegExp(`image build --flavor ${flavor} `));
      expect(runs).toMatch(
        new RegExp(`smoke --image "\\$CANDIDATE_${flavor.toUpperCase()}" --flavor ${flavor} `),
      );
    }
    expect(runs).toMatch(/docker save --output \S+ "\$CANDIDATE_CORE" "\$CANDIDATE_FULL"/);
    const publish = (jobs.publish!.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(publish).toContain('for flavor in core full');
    // One SBOM and one provenance attestation per pushed digest.
    for (const action of ['anchore/sbom-action', 'actions/attest-sbom', 'actions/attest-build-provenance']) {
      const steps = jobs.publish!.steps!.filter((s) => s.uses?.startsWith(`${action}@`));
      expect(steps, action).toHaveLength(2);
    }
    const pin = (jobs['pin-digest']!.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(pin).toContain('digests: {core: $core, full: $full}');
  });

  it('installs nothing on the runner in a release job: no setup-node, no package install, no cache', () => {
    for (const [id, job] of Object.entries(jobs)) {
      for (const step of job.steps ?? []) {
        expect(step.uses ?? '', id).not.toMatch(/^actions\/(setup-node|cache)@/);
        expect(step.run ?? '', id).not.toMatch(/\bnpm\s+(ci|install|i)\b|\bpip3?\s+install\b/);
      }
    }
  });
});
