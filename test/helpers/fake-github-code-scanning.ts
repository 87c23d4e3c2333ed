import { gunzipSync } from 'node:zlib';
import type { Handler, HandlerResponse } from './fake-github.js';

/**
 * Code scanning's SARIF endpoints, faked: uploads are decoded (base64, gunzip,
 * JSON) and kept for assertions; the status endpoint reports `pending` for a
 * configurable number of polls, then `complete` or `failed` with errors.
 */
export interface ProcessingPlan {
  /** Polls answered `pending` before the final status. */
  pendingPolls: number;
  status: 'complete' | 'failed';
  errors: string[];
}

export interface RecordedUpload {
  sarifId: string;
  owner: string;
  repo: string;
  commitSha: string;
  ref: string;
  toolName: string | undefined;
  checkoutUri: string | undefined;
  startedAt: string | undefined;
  gzippedBytes: number;
  /** The decoded SARIF document. */
  sarif: { version?: unknown; runs?: Array<Record<string, unknown>>; [k: string]: unknown };
  polls: number;
}

// GitHub: "For each gzip-compressed SARIF file, SARIF upload supports a maximum size of 10 MB."
const MAX_GZIPPED = 10_000_000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function badSarif(why: string): HandlerResponse {
  // The description documents 400 "Bad Request if the sarif field is invalid".
  return {
    status: 400,
    body: { message: `Invalid SARIF: ${why}`, documentation_url: 'https://docs.github.com/rest' },
    violation: `sarif field invalid: ${why}`,
  };
}

const upload: Handler = ({ body, pathParams, fake }) => {
  const b = body as Record<string, string | undefined>;
  const encoded = b.sarif ?? '';
  if (!BASE64.test(encoded)) return badSarif('not base64');
  const gz = Buffer.from(encoded, 'base64');
  if (gz.length > MAX_GZIPPED) {
    return { status: 413, violation: `gzipped SARIF is ${gz.length} bytes, over GitHub's 10 MB` };
  }
  let doc: RecordedUpload['sarif'];
  try {
    doc = JSON.parse(gunzipSync(gz).toString('utf8'));
  } catch (e) {
    return badSarif(`not gzip-compressed JSON (${(e as Error).message})`);
  }
  if (doc?.version !== '2.1.0' || !Array.isArray(doc.runs)) return badSarif('not SARIF 2.1.0 (version/runs)');
  const sarifId = fake.newId();
  fake.uploads.push({
    sarifId,
    owner: pathParams.owner as string,
    repo: pathParams.repo as string,
    commitSha: b.commit_sha as string,
    ref: b.ref as string,
    toolName: b.tool_name,
    checkoutUri: b.checkout_uri,
    startedAt: b.started_at,
    gzippedBytes: gz.length,
    sarif: doc,
    polls: 0,
  });
  const base = `${fake.url}/repos/${pathParams.owner}/${pathParams.repo}/code-scanning`;
  return { status: 202, body: { id: sarifId, url: `${base}/sarifs/${sarifId}` } };
};

const status: Handler = ({ pathParams, fake }) => {
  const up = fake.uploads.find((u) => u.sarifId === pathParams.sarif_id);
  // Documented: "Not Found if the sarif id does not match any upload" (no body schema).
  if (!up)
    return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
  up.polls++;
  const plan = fake.processing;
  if (up.polls <= plan.pendingPolls)
    return { status: 200, body: { processing_status: 'pending', analyses_url: null } };
  const analysesUrl = `${fake.url}/repos/${up.owner}/${up.repo}/code-scanning/analyses?sarif_id=${up.sarifId}`;
  return plan.status === 'complete'
    ? { status: 200, body: { processing_status: 'complete', analyses_url: analysesUrl } }
    : { status: 200, body: { processing_status: 'failed', analyses_url: null, errors: plan.errors } };
};

export const codeScanningHandlers: Record<string, Handler> = {
  'code-scanning/upload-sarif': upload,
  'code-scanning/get-sarif': status,
};
