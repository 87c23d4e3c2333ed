/**
 * Turns a failed GitHub API call (an Octokit RequestError, a network error, a
 * timeout) into a sentence a maintainer can act on. Nothing here includes request
 * headers: the token must never reach a log.
 */

interface HttpErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { data?: unknown };
}

export function statusOf(e: unknown): number | undefined {
  const s = (e as HttpErrorLike | null)?.status;
  return typeof s === 'number' && s >= 100 ? s : undefined;
}

/** GitHub's own `message` from the JSON error body, capped; it is shown to users. */
function githubMessage(e: unknown): string {
  const data = (e as HttpErrorLike | null)?.response?.data;
  const m = typeof data === 'object' && data !== null ? (data as { message?: unknown }).message : undefined;
  return typeof m === 'string' ? m.slice(0, 500) : '';
}

/** 5xx, 429 (secondary rate limit) and failures with no HTTP status (network, timeout) may succeed later. */
export function isRetryable(e: unknown): boolean {
  const s = statusOf(e);
  if (s === undefined) return true;
  return s >= 500 || s === 429;
}

export function describeHttpFailure(e: unknown, where: { repository?: string } = {}): string {
  const status = statusOf(e);
  const gh = githubMessage(e);
  const said = gh ? ` (GitHub said: "${gh}")` : '';
  const repo = where.repository ?? 'the repository';
  switch (status) {
    case undefined: {
      const name = (e as Error | null)?.name;
      const why =
        name === 'TimeoutError' || name === 'AbortError' ? 'timed out' : String((e as Error)?.message ?? e);
      return `could not reach the GitHub API: ${why}`;
    }
    case 401:
      return `the token was rejected (401)${said}; check the \`token\` input`;
    case 403:
      if (/not accessible by integration/i.test(gh)) {
        return (
          `the token may not upload code scanning results to ${repo} (403)${said}. ` +
          'Give the job `permissions: security-events: write`. On pull requests from forks GitHub ' +
          'makes GITHUB_TOKEN read-only whatever the workflow asks; use the pull_request + workflow_run ' +
          'pattern in docs/github.md to upload from a trusted workflow.'
        );
      }
      if (/advanced security|code security|code scanning is not enabled/i.test(gh)) {
        return `code scanning is not enabled for ${repo} (403)${said}. Enable it (private repositories need GitHub Code Security / Advanced Security), or set upload-sarif: false.`;
      }
      return `GitHub refused the upload to ${repo} (403)${said}`;
    case 404:
      return (
        `${repo} was not found, or code scanning is not available to this token (404)${said}. ` +
        'Private repositories need GitHub Code Security / Advanced Security; the token needs security-events: write.'
      );
    case 413:
      return `the SARIF is too large for GitHub (413)${said}`;
    case 400:
    case 422:
      return `GitHub rejected the upload as invalid (${status})${said}`;
    default:
      return status >= 500
        ? `GitHub's API failed (${status}) and kept failing after retries${said}`
        : `GitHub answered ${status}${said}`;
  }
}
