import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { type EventPayload, parseEventPayload } from './event-payload.js';

/**
 * What the workflow run is: which event, which repository and commit, and for
 * pull requests which base and head. Read once from the runner's environment and
 * event file, validated, and passed on as one typed object (nothing downstream
 * reads GITHUB_* itself).
 *
 * Everything here except the GITHUB_* variables set by the runner is
 * attacker-influenced on a pull request from a fork: branch names, titles, the
 * head repository's name. We only keep what we need, validate its shape, and never
 * put it into a shell.
 */
export interface PullRequestInfo {
  number: number;
  baseSha: string;
  baseRef: string;
  headSha: string;
  headRef: string;
  /** `owner/name` of the head repository; null when the fork was deleted. */
  headRepoFullName: string | null;
  /** True when the head lives in another repository (or its repository is gone): the author is not a collaborator we can trust with a write token. */
  isFork: boolean;
}

/** The run that a `workflow_run` event reports on (the fork-safe publish pattern). */
export interface WorkflowRunInfo {
  id: number;
  event: string;
  conclusion: string | null;
  headSha: string;
  headBranch: string | null;
  headRepoFullName: string | null;
  /** PR numbers GitHub attached to the run. Empty for PRs from forks, so never rely on it alone. */
  pullRequestNumbers: number[];
}

/** The ref and commit that code scanning results are reported against. */
export interface SarifTarget {
  ref: string;
  commitSha: string;
}

export interface GitHubContext {
  eventName: string;
  owner: string;
  repo: string;
  /** `owner/repo` */
  repository: string;
  sha: string;
  ref: string;
  serverUrl: string;
  apiUrl: string;
  runId: string;
  runAttempt: string;
  /** The job's id in the workflow (GITHUB_JOB); matrix legs share it. */
  job?: string;
  workflow: string;
  /** `owner/repo/.github/workflows/file.yml@ref`: the workflow file this run executes. */
  workflowRef?: string;
  actor: string;
  workspace: string | undefined;
  pullRequest: PullRequestInfo | undefined;
  workflowRun: WorkflowRunInfo | undefined;
  /** Undefined when the run has no ref code scanning accepts (it needs refs/heads, refs/tags or refs/pull). */
  sarifTarget: SarifTarget | undefined;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
// GitHub's rules for owner and repository names: no slashes, no spaces, no `..`.
const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const SARIF_REF = /^refs\/(heads|tags|pull)\/.+$/;
const PR_MERGE_REF = /^refs\/pull\/(\d+)\/merge$/;

const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

const EnvSchema = z.object({
  GITHUB_EVENT_NAME: z.string().regex(/^[a-z_]+$/, 'an event name such as pull_request'),
  // The name ends up in URLs and the audit origin: `.`/`..` would walk up a path.
  GITHUB_REPOSITORY: z
    .string()
    .regex(REPOSITORY, 'owner/repo')
    .refine((s) => !/\/\.{1,2}$/.test(s), 'owner/repo'),
  GITHUB_SHA: z.string().regex(SHA, 'a 40-hex commit id'),
  GITHUB_REF: z.string().max(1024).default(''),
  GITHUB_SERVER_URL: httpUrl.default('https://github.com'),
  GITHUB_API_URL: httpUrl.default('https://api.github.com'),
  GITHUB_RUN_ID: z.string().regex(/^\d*$/).default(''),
  GITHUB_RUN_ATTEMPT: z.string().regex(/^\d*$/).default(''),
  GITHUB_JOB: z.string().max(1024).default(''),
  GITHUB_WORKFLOW: z.string().max(1024).default(''),
  GITHUB_WORKFLOW_REF: z.string().max(1024).default(''),
  GITHUB_ACTOR: z.string().max(256).default(''),
  GITHUB_WORKSPACE: z.string().optional(),
  GITHUB_EVENT_PATH: z.string().optional(),
});

type Env = z.infer<typeof EnvSchema>;

// GitHub caps webhook payloads at 25 MB; anything beyond that is not an event file.
const MAX_EVENT_BYTES = 25 * 1024 * 1024;

function describeZod(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function readEnv(env: NodeJS.ProcessEnv): Env {
  // Empty strings are "unset" (the runner never sets an empty GITHUB_* it cares about).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = EnvSchema.safeParse(present);
  if (!r.success) {
    throw new UserError('INPUT_INVALID', `GitHub Actions environment is not usable: ${describeZod(r.error)}`);
  }
  return r.data;
}

/** Reads the runner's environment and event file (GITHUB_EVENT_PATH). */
export async function readGitHubContext(env: NodeJS.ProcessEnv = process.env): Promise<GitHubContext> {
  const vars = readEnv(env);
  let payload: unknown = {};
  if (vars.GITHUB_EVENT_PATH) {
    const path = vars.GITHUB_EVENT_PATH;
    try {
      const st = await stat(path);
      if (!st.isFile() || st.size > MAX_EVENT_BYTES) {
        throw new UserError('INPUT_INVALID', `GITHUB_EVENT_PATH is not a regular file under 25 MB: ${path}`);
      }
      payload = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(
        'INPUT_INVALID',
        `cannot read the event payload at GITHUB_EVENT_PATH: ${String(e)}`,
        {
          cause: e,
        },
      );
    }
  }
  return parseGitHubContext(env, payload);
}

/** Pure: builds the context from environment variables and an already-parsed event payload. */
export function parseGitHubContext(env: NodeJS.ProcessEnv, payload: unknown): GitHubContext {
  const vars = readEnv(env);
  const event: EventPayload = parseEventPayload(vars.GITHUB_EVENT_NAME, payload);
  const [owner = '', repo = ''] = vars.GITHUB_REPOSITORY.split('/');
  const ctx: GitHubContext = {
    eventName: vars.GITHUB_EVENT_NAME,
    owner,
    repo,
    repository: vars.GITHUB_REPOSITORY,
    sha: vars.GITHUB_SHA,
    ref: vars.GITHUB_REF,
    serverUrl: vars.GITHUB_SERVER_URL,
    apiUrl: vars.GITHUB_API_URL,
    runId: vars.GITHUB_RUN_ID,
    runAttempt: vars.GITHUB_RUN_ATTEMPT,
    job: vars.GITHUB_JOB || undefined,
    workflow: vars.GITHUB_WORKFLOW,
    workflowRef: vars.GITHUB_WORKFLOW_REF,
    actor: vars.GITHUB_ACTOR,
    workspace: vars.GITHUB_WORKSPACE,
    pullRequest: event.pullRequest,
    workflowRun: event.workflowRun,
    sarifTarget: undefined,
  };
  ctx.sarifTarget = defaultSarifTarget(ctx);
  return ctx;
}

/**
 * Where results go, as github/codeql-action's upload-sarif decides it: on
 * `pull_request` the runner's GITHUB_REF is the PR's merge ref `refs/pull/N/merge`
 * and GITHUB_SHA the merge commit the checkout holds, so results show on the PR.
 * Every other event reports against GITHUB_REF/GITHUB_SHA (for
 * `pull_request_target` that is the base branch, which is what its safe checkout holds).
 */
function defaultSarifTarget(ctx: GitHubContext): SarifTarget | undefined {
  if (ctx.eventName === 'pull_request' && ctx.pullRequest) {
    const ref = PR_MERGE_REF.test(ctx.ref) ? ctx.ref : `refs/pull/${ctx.pullRequest.number}/merge`;
    return { ref, commitSha: ctx.sha };
  }
  return SARIF_REF.test(ctx.ref) ? { ref: ctx.ref, commitSha: ctx.sha } : undefined;
}

/**
 * Adjusts the target to what is really checked out. When a PR workflow checked out
 * the PR head instead of the merge commit (`ref: ${{ github.event.pull_request.head.sha }}`),
 * the results belong to `refs/pull/N/head` at the head commit, as codeql-action
 * rewrites it; reporting them against the merge commit would misplace line numbers.
 */
export function sarifTargetForCheckout(
  ctx: GitHubContext,
  workspaceHeadSha: string,
): SarifTarget | undefined {
  const pr = ctx.pullRequest;
  const onPrEvent = ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target';
  if (onPrEvent && pr && workspaceHeadSha === pr.headSha && workspaceHeadSha !== ctx.sha) {
    return { ref: `refs/pull/${pr.number}/head`, commitSha: pr.headSha };
  }
  return ctx.sarifTarget;
}
