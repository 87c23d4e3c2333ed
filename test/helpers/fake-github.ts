import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkHeaders, checkRequest } from './fake-github-checks.js';
import {
  codeScanningHandlers,
  type ProcessingPlan,
  type RecordedUpload,
} from './fake-github-code-scanning.js';
import { type Operation, openApiIndex, type RouteMatch } from './fake-github-openapi.js';

/**
 * A stand-in for GitHub's REST API: a real HTTP server on 127.0.0.1 that checks
 * every request against GitHub's published OpenAPI description (path and method
 * exist, path/query parameters, JSON body against the operation's requestBody
 * schema, auth/accept/user-agent headers) and answers with bodies that validate
 * against the documented response schema. A request GitHub would reject gets the
 * status GitHub sends (422 for schema violations) AND is recorded as a violation;
 * `assertNoViolations()` in afterEach turns it into a test failure.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string | undefined;
  /** Headers as received, `authorization` redacted. */
  headers: Record<string, string>;
  body: unknown;
  status: number;
}

export interface HandlerRequest {
  operation: Operation;
  pathParams: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  fake: FakeGitHub;
}

export interface HandlerResponse {
  status: number;
  body?: unknown;
  /** Set when the request broke GitHub's contract: recorded as a violation. */
  violation?: string;
}

export type Handler = (req: HandlerRequest) => HandlerResponse;

export interface Failure {
  status: number;
  message?: string;
  /** How many requests in a row fail. Default 1. */
  times?: number;
}

export interface FakeGitHubOptions {
  /** The token requests must carry. Default `ghs_fake_token`. */
  token?: string;
  /** The one repository that exists (`owner/repo`); others answer 404 as GitHub does. */
  repository?: string;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;
const DOCS = 'https://docs.github.com/rest';
/** Statuses GitHub may answer on any operation, documented or not. */
const UNIVERSAL_STATUSES = new Set([401, 422, 429]);

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly uploads: RecordedUpload[] = [];
  readonly token: string;
  readonly repository: string;
  processing: ProcessingPlan = { pendingPolls: 1, status: 'complete', errors: [] };
  private readonly failures = new Map<string, Failure[]>();
  private readonly handlers = new Map<string, Handler>(Object.entries(codeScanningHandlers));
  private server: Server | undefined;
  url = '';

  constructor(opts: FakeGitHubOptions = {}) {
    this.token = opts.token ?? 'ghs_fake_token';
    this.repository = opts.repository ?? 'octo-org/octo-repo';
  }

  async start(): Promise<this> {
    openApiIndex(); // parse the description before the first request's clock starts
    this.server = createServer((req, res) => {
      this.serve(req, res).catch((e: unknown) => {
        this.violations.push(`fake GitHub crashed: ${String(e)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The next `times` requests to `operationId` fail with `status`. */
  failNext(operationId: string, failure: Failure): void {
    const queue = this.failures.get(operationId) ?? [];
    for (let i = 0; i < (failure.times ?? 1); i++) queue.push(failure);
    this.failures.set(operationId, queue);
  }

  /** How uploads are processed: pending for N polls, then complete or failed with errors. */
  setProcessing(plan: Partial<ProcessingPlan>): void {
    this.processing = { ...this.processing, ...plan };
  }

  /** Forgets requests, uploads, queued failures and violations; processing back to the default. */
  reset(): void {
    this.requests.length = 0;
    this.uploads.length = 0;
    this.violations.length = 0;
    this.failures.clear();
    this.processing = { pendingPolls: 1, status: 'complete', errors: [] };
  }

  /** Adds or replaces the handler of an operation. */
  handle(operationId: string, handler: Handler): void {
    this.handlers.set(operationId, handler);
  }

  requestsTo(operationId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.operationId === operationId);
  }

  assertNoViolations(): void {
    if (this.violations.length > 0) {
      throw new Error(`requests broke GitHub's API contract:\n- ${this.violations.join('\n- ')}`);
    }
  }

  newId(): string {
    return randomUUID();
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toLowerCase();
    const raw = await readBody(req);
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, k === 'authorization' ? '[redacted]' : String(v)]),
    );
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      operationId: undefined,
      headers,
      body: undefined,
      status: 0,
    };
    this.requests.push(record);
    const reply = (status: number, body: unknown, op?: Operation, violation?: string) => {
      if (violation) this.violations.push(`${method.toUpperCase()} ${url.pathname}: ${violation}`);
      if (op) this.checkOwnResponse(op, status, body);
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': this.newId(),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
      });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    const error = (status: number, message: string) => ({
      message,
      documentation_url: DOCS,
      status: String(status),
    });

    if (raw === undefined)
      return reply(413, error(413, 'Payload too large'), undefined, 'body over the size cap');
    const match: RouteMatch | undefined = openApiIndex().match(method, url.pathname);
    if (!match) {
      const why = openApiIndex().pathExists(url.pathname) ? 'method not documented for path' : 'no such path';
      return reply(404, error(404, 'Not Found'), undefined, why);
    }
    const { operation: op, pathParams } = match;
    record.operationId = op.operationId;

    const headerProblem = checkHeaders(req, this.token, raw.length > 0);
    if (headerProblem === 'bad-token') return reply(401, error(401, 'Bad credentials'), op);
    if (headerProblem)
      return reply(
        headerProblem.status,
        error(headerProblem.status, headerProblem.message),
        op,
        headerProblem.message,
      );

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return reply(400, error(400, 'Problems parsing JSON'), op, 'body is not JSON');
      }
    }
    record.body = body;
    const problems = checkRequest(op, pathParams, url.searchParams, body);
    if (problems.length > 0) {
      return reply(
        422,
        { ...error(422, `Invalid request.\n\n${problems.join('\n')}`) },
        op,
        problems.join('; '),
      );
    }
    if (`${pathParams.owner}/${pathParams.repo}`.toLowerCase() !== this.repository.toLowerCase()) {
      return reply(404, error(404, 'Not Found'), op);
    }
    const failure = this.failures.get(op.operationId)?.shift();
    if (failure) return reply(failure.status, error(failure.status, failure.message ?? 'Server Error'), op);
    const handler = this.handlers.get(op.operationId);
    if (!handler)
      return reply(501, error(501, 'not faked'), undefined, `no fake handler for ${op.operationId}`);
    const out = handler({ operation: op, pathParams, query: url.searchParams, body, fake: this });
    return reply(out.status, out.body, op, out.violation);
  }

  /** Our own answers must match GitHub's documented responses too, or the fake lies to the code under test. */
  private checkOwnResponse(op: Operation, status: number, body: unknown): void {
    const doc = op.responses[String(status)];
    if (!doc) {
      if (status < 500 && !UNIVERSAL_STATUSES.has(status)) {
        this.violations.push(`fake answered ${op.operationId} with undocumented status ${status}`);
      }
      return;
    }
    const schema = (doc.content as Record<string, { schema?: Record<string, unknown> }> | undefined)?.[
      'application/json'
    ]?.schema;
    if (!schema) return;
    const errors = openApiIndex().validate(`${op.operationId}:response:${status}`, schema, body);
    if (errors.length > 0) {
      this.violations.push(
        `fake's own ${status} response to ${op.operationId} breaks the schema: ${errors.join('; ')}`,
      );
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function startFakeGitHub(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  return new FakeGitHub(opts).start();
}
