import { getOctokit } from '@actions/github';
import { VERSION } from '../version.js';
import { describeHttpFailure, isRetryable, statusOf } from './http-failure.js';
import { prepareSarif, toCheckoutUri } from './sarif-payload.js';

/**
 * Uploads SARIF to GitHub code scanning and waits for GitHub to process it.
 *
 * Why @actions/github's Octokit and not plain fetch: it honours the runner's proxy
 * settings (https_proxy/no_proxy, common on self-hosted and GHES runners), takes the
 * API base URL for GHES, and redacts the token in its errors. Octokit's retry and
 * throttling plugins are not installed, so the small bounded retry below is ours.
 *
 * Uploading is a reporting nicety, never the gate's verdict: every failure to upload
 * (read-only token on fork PRs, code scanning not enabled, GitHub down) becomes
 * `{ uploaded: false, reason }`, never an exception.
 */
export interface UploadSarifOptions {
  apiUrl: string;
  token: string;
  owner: string;
  repo: string;
  sarifJson: string;
  commitSha: string;
  ref: string;
  /** Written into each run's automationDetails.id (the REST body has no category field). */
  category?: string;
  toolName?: string;
  /** Workspace path or file: URI that the SARIF's absolute paths are relative to. */
  checkoutUri?: string;
  startedAt?: Date;
  /** How long to wait for processing. Default 120 s (GitHub usually takes seconds). */
  pollTimeoutMs?: number;
  /** First poll delay; doubles up to 15 s. Default 2 s. */
  pollIntervalMs?: number;
  /** Attempts for a request that fails with 5xx/429/network errors. Default 4. */
  maxAttempts?: number;
  /** First retry delay; doubles. Default 1 s. */
  retryDelayMs?: number;
  log: (line: string) => void;
}

export type ProcessingStatus = 'complete' | 'failed' | 'pending';

export type UploadOutcome =
  | {
      uploaded: true;
      sarifId: string;
      /** `pending` when GitHub had not finished within pollTimeoutMs. */
      processingStatus: ProcessingStatus;
      /** Errors GitHub reported while processing (empty unless `failed`). */
      errors: string[];
      analysesUrl: string | undefined;
    }
  | { uploaded: false; reason: string; httpStatus?: number };

const REQUEST_TIMEOUT_MS = 60_000;
const MAX_POLL_DELAY_MS = 15_000;
/** GitHub may briefly answer 404 for an upload it has just accepted. */
const MAX_NOT_YET_VISIBLE = 5;

type Octokit = ReturnType<typeof getOctokit>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `call`, retrying what may succeed later (5xx, 429, network), at most maxAttempts times. */
async function withRetry<T>(
  what: string,
  call: () => Promise<T>,
  opts: { maxAttempts: number; retryDelayMs: number; log: (l: string) => void },
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let delay = opts.retryDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await call() };
    } catch (e) {
      if (!isRetryable(e) || attempt >= opts.maxAttempts) return { ok: false, error: e };
      opts.log(
        `${what}: ${describeHttpFailure(e)}; retrying in ${delay} ms (attempt ${attempt + 1}/${opts.maxAttempts})`,
      );
      await sleep(delay);
      delay *= 2;
    }
  }
}

export async function uploadSarif(opts: UploadSarifOptions): Promise<UploadOutcome> {
  const prepared = prepareSarif(opts.sarifJson, opts.category);
  if (!prepared.ok) {
    opts.log(`SARIF not uploaded: ${prepared.reason}`);
    return { uploaded: false, reason: prepared.reason };
  }
  if (!opts.token) {
    const reason = 'no token to upload with (the `token` input is empty)';
    opts.log(`SARIF not uploaded: ${reason}`);
    return { uploaded: false, reason };
  }
  const retry = {
    maxAttempts: opts.maxAttempts ?? 4,
    retryDelayMs: opts.retryDelayMs ?? 1000,
    log: opts.log,
  };
  const octokit = getOctokit(opts.token, {
    baseUrl: opts.apiUrl.replace(/\/+$/, ''),
    userAgent: `airlock/${VERSION}`,
    // Octokit would print deprecation notices with console.warn; route them to our log.
    log: { debug: () => undefined, info: () => undefined, warn: opts.log, error: opts.log },
  });

  const posted = await withRetry(
    'SARIF upload',
    () =>
      octokit.rest.codeScanning.uploadSarif({
        owner: opts.owner,
        repo: opts.repo,
        commit_sha: opts.commitSha,
        ref: opts.ref,
        sarif: prepared.sarif.encoded,
        started_at: (opts.startedAt ?? new Date()).toISOString(),
        ...(opts.toolName ? { tool_name: opts.toolName } : {}),
        ...(opts.checkoutUri ? { checkout_uri: toCheckoutUri(opts.checkoutUri) } : {}),
        request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      }),
    retry,
  );
  if (!posted.ok) {
    const reason = describeHttpFailure(posted.error, { repository: `${opts.owner}/${opts.repo}` });
    opts.log(`SARIF not uploaded: ${reason}`);
    const httpStatus = statusOf(posted.error);
    return httpStatus === undefined ? { uploaded: false, reason } : { uploaded: false, reason, httpStatus };
  }
  const sarifId = posted.value.data.id;
  if (!sarifId) {
    return { uploaded: false, reason: 'GitHub accepted the upload but returned no SARIF id' };
  }
  opts.log(
    `SARIF uploaded (${prepared.sarif.gzippedBytes} bytes gzipped, ${prepared.sarif.runs} run(s)) ` +
      `to ${opts.ref} @ ${opts.commitSha}; id ${sarifId}`,
  );
  return waitForProcessing(octokit, sarifId, opts, retry);
}

async function waitForProcessing(
  octokit: Octokit,
  sarifId: string,
  opts: UploadSarifOptions,
  retry: { maxAttempts: number; retryDelayMs: number; log: (l: string) => void },
): Promise<UploadOutcome> {
  const deadline = Date.now() + (opts.pollTimeoutMs ?? 120_000);
  let delay = opts.pollIntervalMs ?? 2000;
  let notVisible = 0;
  const pending = (why: string): UploadOutcome => {
    opts.log(`SARIF ${sarifId}: ${why}; results will appear once GitHub finishes processing`);
    return { uploaded: true, sarifId, processingStatus: 'pending', errors: [], analysesUrl: undefined };
  };
  for (;;) {
    if (Date.now() + delay > deadline) return pending('processing not finished within the poll timeout');
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_POLL_DELAY_MS);
    const got = await withRetry(
      'SARIF status',
      () =>
        octokit.rest.codeScanning.getSarif({
          owner: opts.owner,
          repo: opts.repo,
          sarif_id: sarifId,
          request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
        }),
      retry,
    );
    if (!got.ok) {
      const status = statusOf(got.error);
      if (status === 404 && ++notVisible <= MAX_NOT_YET_VISIBLE) continue;
      return pending(`cannot read the processing status (${describeHttpFailure(got.error)})`);
    }
    const { processing_status: status, errors, analyses_url: analysesUrl } = got.value.data;
    if (status === 'complete' || status === 'failed') {
      const reported = (errors ?? []).map(String);
      if (status === 'failed') {
        opts.log(`SARIF ${sarifId}: GitHub failed to process it: ${reported.join('; ') || '(no details)'}`);
      } else {
        opts.log(`SARIF ${sarifId}: processing complete`);
      }
      return {
        uploaded: true,
        sarifId,
        processingStatus: status,
        errors: reported,
        analysesUrl: analysesUrl ?? undefined,
      };
    }
  }
}
