import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { parseGitHubContext } from '../../../src/github/context.js';
import { assertGatesThePullRequest } from '../../../src/github/safe-trigger.js';
import { sarifUploadRefusal } from '../../../src/github/sarif-scope.js';
import { renderPolicyChange } from '../../../src/github/trust-summary.js';
import { gateDefinitionPaths, workflowFileOf } from '../../../src/github/workflow-change.js';
import { BASE_SHA, HEAD_SHA, MERGE_SHA, pullRequestPayload, runnerEnv } from './payloads.js';

function code(f: () => void): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as UserError).code;
  }
  return undefined;
}

describe('assertGatesThePullRequest', () => {
  const target = parseGitHubContext(runnerEnv('pull_request_target'), pullRequestPayload({}));
  it('refuses pull_request_target with the base checked out: it would gate nothing', () => {
    expect(code(() => assertGatesThePullRequest(target, BASE_SHA))).toBe('NOTHING_TO_GATE');
    expect(code(() => assertGatesThePullRequest(target, target.sha))).toBe('NOTHING_TO_GATE');
  });
  it('lets the PR head (allowed explicitly) and other events through', () => {
    expect(code(() => assertGatesThePullRequest(target, HEAD_SHA))).toBe(undefined);
    const pr = parseGitHubContext(runnerEnv('pull_request'), pullRequestPayload({}));
    expect(code(() => assertGatesThePullRequest(pr, MERGE_SHA))).toBe(undefined);
  });
});

describe('sarifUploadRefusal', () => {
  it("refuses a PR-scoped analysis for a branch ref (it would close that branch's alerts)", () => {
    expect(sarifUploadRefusal({ diffScoped: true, scanned: 0, targetRef: 'refs/heads/main' })).toMatch(
      /close that ref's other alerts/,
    );
    expect(sarifUploadRefusal({ diffScoped: true, scanned: 3, targetRef: 'refs/heads/main' })).toBeDefined();
  });
  it('allows it for the PR ref, and a full scan anywhere', () => {
    expect(sarifUploadRefusal({ diffScoped: true, scanned: 0, targetRef: 'refs/pull/7/merge' })).toBe(
      undefined,
    );
    expect(sarifUploadRefusal({ diffScoped: false, scanned: 0, targetRef: 'refs/heads/main' })).toBe(
      undefined,
    );
  });
});

describe('workflowFileOf', () => {
  const ctx = (workflowRef: string) => ({ workflowRef, repository: 'octo-org/octo-repo' });
  it('takes the workflow path out of GITHUB_WORKFLOW_REF', () => {
    expect(workflowFileOf(ctx('octo-org/octo-repo/.github/workflows/gate.yml@refs/pull/7/merge'))).toBe(
      '.github/workflows/gate.yml',
    );
  });
  it("ignores another repository's workflow, paths outside .github/workflows and dot segments", () => {
    expect(workflowFileOf(ctx('other/repo/.github/workflows/gate.yml@refs/heads/main'))).toBe(undefined);
    expect(workflowFileOf(ctx('octo-org/octo-repo/src/gate.yml@refs/heads/main'))).toBe(undefined);
    expect(workflowFileOf(ctx('octo-org/octo-repo/.github/workflows/../../x@refs/heads/main'))).toBe(
      undefined,
    );
    expect(workflowFileOf(ctx(''))).toBe(undefined);
  });
  it('watches the workflows folder, the run workflow, and a local action inside the repository', () => {
    const c = ctx('octo-org/octo-repo/.github/workflows/gate.yml@refs/pull/7/merge');
    expect(gateDefinitionPaths(c, '/repo', '/repo')).toEqual([
      '.github/workflows',
      '.github/workflows/gate.yml',
      'action.yml',
      'action.yaml',
      'dist',
      'policies',
    ]);
    expect(gateDefinitionPaths(c, '/repo', '/repo/tools/airlock')).toContain('tools/airlock/dist');
    expect(gateDefinitionPaths(c, '/repo', '/home/runner/_actions/airlock/v1')).toEqual([
      '.github/workflows',
      '.github/workflows/gate.yml',
    ]);
  });
});

describe('renderPolicyChange', () => {
  it('keeps a hostile diff inside its code fence', () => {
    const diff = '+x\n+```\n+</details><img src=x onerror=alert(1)>\n+````\n';
    const md = renderPolicyChange({
      changes: { files: ['p.yml'], diff, diffTruncated: false },
      revision: BASE_SHA,
      policyPath: 'p.yml',
      failing: false,
    });
    expect(md).toContain('\n`````diff\n');
    expect(md).toContain('\n`````\n');
    expect(md).toContain('takes effect after merge');
  });
});
