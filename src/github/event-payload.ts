import { z } from 'zod';
import { UserError } from '../errors.js';
import type { PullRequestInfo, WorkflowRunInfo } from './context.js';

/**
 * The parts of a webhook payload Airlock relies on, validated with zod. Payloads
 * carry many more fields; loose objects keep parsing when GitHub adds some.
 *
 * Branch names and repository names here come from whoever opened the PR: they
 * are length-capped and only ever compared or shown, never executed.
 */
const sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a 40-hex commit id');
const fullName = z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, 'owner/repo');
const branch = z.string().min(1).max(1024);

const RepoRef = z.looseObject({ full_name: fullName });

const PullRequestEnd = z.looseObject({
  sha,
  ref: branch,
  // null when the head repository (the fork) has been deleted.
  repo: RepoRef.nullable(),
});

const PullRequestPayload = z.looseObject({
  number: z.number().int().positive(),
  pull_request: z.looseObject({
    number: z.number().int().positive(),
    base: PullRequestEnd.extend({ repo: RepoRef }),
    head: PullRequestEnd,
  }),
});

const WorkflowRunPayload = z.looseObject({
  workflow_run: z.looseObject({
    id: z.number().int().positive(),
    event: z.string().max(100),
    conclusion: z.string().max(100).nullable(),
    head_sha: sha,
    head_branch: branch.nullable(),
    head_repository: RepoRef.nullable().optional(),
    pull_requests: z.array(z.looseObject({ number: z.number().int().positive() })).max(1000),
  }),
});

/** Events whose payload has `pull_request` (and whose runs may hold a PR's code). */
const PR_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

export interface EventPayload {
  pullRequest: PullRequestInfo | undefined;
  workflowRun: WorkflowRunInfo | undefined;
}

function invalid(eventName: string, error: z.ZodError): never {
  const detail = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new UserError('INPUT_INVALID', `the ${eventName} event payload is not usable: ${detail}`);
}

export function parseEventPayload(eventName: string, payload: unknown): EventPayload {
  if (PR_EVENTS.has(eventName)) {
    const r = PullRequestPayload.safeParse(payload);
    if (!r.success) invalid(eventName, r.error);
    const pr = r.data.pull_request;
    const headRepo = pr.head.repo?.full_name ?? null;
    return {
      pullRequest: {
        number: pr.number,
        baseSha: pr.base.sha,
        baseRef: pr.base.ref,
        headSha: pr.head.sha,
        headRef: pr.head.ref,
        headRepoFullName: headRepo,
        // Names are case-insensitive on GitHub. A deleted head repository counts
        // as a fork: we cannot show the author has write access here (fail closed).
        isFork: headRepo === null || headRepo.toLowerCase() !== pr.base.repo.full_name.toLowerCase(),
      },
      workflowRun: undefined,
    };
  }
  if (eventName === 'workflow_run') {
    const r = WorkflowRunPayload.safeParse(payload);
    if (!r.success) invalid(eventName, r.error);
    const run = r.data.workflow_run;
    return {
      pullRequest: undefined,
      workflowRun: {
        id: run.id,
        event: run.event,
        conclusion: run.conclusion,
        headSha: run.head_sha,
        headBranch: run.head_branch,
        headRepoFullName: run.head_repository?.full_name ?? null,
        pullRequestNumbers: run.pull_requests.map((p) => p.number),
      },
    };
  }
  // push, workflow_dispatch, schedule, ...: everything we need is in GITHUB_* variables.
  if (payload !== null && typeof payload !== 'object') {
    throw new UserError('INPUT_INVALID', `the ${eventName} event payload is not a JSON object`);
  }
  return { pullRequest: undefined, workflowRun: undefined };
}
