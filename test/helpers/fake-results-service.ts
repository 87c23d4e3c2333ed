import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BlobFailure, FakeBlobStore, type StoredBlob } from './fake-blob-store.js';
import { METHODS, runtimeToken, SERVICE, TWIRP_STATUS, verifyRuntimeToken } from './fake-results-contract.js';

/**
 * A stand-in for GitHub's Actions results service (artifacts) and the blob storage its
 * signed URLs point at: two real HTTP servers on 127.0.0.1, each request checked against
 * the contract @actions/artifact's generated types define (fake-results-contract.ts) and
 * Azure's Blob REST rules (fake-blob-store.ts). It stores the zip it is sent and on
 * FinalizeArtifact checks its size and sha256 against what the client says, then gives
 * the artifact an id. A request that breaks the contract is answered as the service
 * would and recorded; `assertNoViolations()` in afterEach makes it a test failure.
 *
 * Point a step at it with `env()`: ACTIONS_RUNTIME_TOKEN (a JWT it signed, carrying the
 * backend ids) and ACTIONS_RESULTS_URL.
 */
export interface FakeArtifact {
  name: string;
  runBackendId: string;
  jobBackendId: string;
  /** CreateArtifact's request, as parsed by the generated type. */
  created: Record<string, unknown>;
  blobPath: string;
  id?: number;
  finalized?: { size: string; hash?: string };
}

export interface TwirpFailure {
  status?: number;
  code: string;
  msg?: string;
  times?: number;
}

const MAX_BODY = 256 * 1024 * 1024;

export class FakeResultsService {
  readonly violations: string[] = [];
  readonly calls: { method: string; status: number }[] = [];
  readonly artifacts = new Map<string, FakeArtifact>();
  readonly runBackendId = randomUUID();
  readonly jobBackendId = randomUUID();
  private readonly secret = randomBytes(32).toString('hex');
  private readonly twirpFailures = new Map<string, TwirpFailure[]>();
  private readonly store = new FakeBlobStore(
    (v) => this.violations.push(v),
    () => this.blobUrl,
  );
  private nextId = 2_718_281_828;
  private servers: Server[] = [];
  url = '';
  blobUrl = '';

  async start(): Promise<this> {
    const listen = (handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => Promise<void>) =>
      new Promise<string>((resolve) => {
        const s = createServer((req, res) => {
          readBody(req)
            .then((body) => handler(req, body, res))
            .catch((e: unknown) => {
              this.violations.push(`fake results service crashed: ${String(e)}`);
              if (!res.headersSent) res.writeHead(500).end();
            });
        });
        this.servers.push(s);
        s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`));
      });
    this.url = await listen((req, body, res) => this.twirp(req, body, res));
    this.blobUrl = await listen((req, body, res) => this.store.handle(req, body, res));
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  /** The environment the runner gives a JavaScript action for the results service. */
  env(): Record<string, string> {
    return {
      ACTIONS_RUNTIME_TOKEN: runtimeToken(this.secret, this.runBackendId, this.jobBackendId),
      // The runner's value ends with a slash; the client keeps only the origin.
      ACTIONS_RESULTS_URL: `${this.url}/`,
    };
  }

  /** The next `times` calls of a Twirp method fail with `code`. */
  failNext(method: string, f: TwirpFailure): void {
    const q = this.twirpFailures.get(method) ?? [];
    for (let i = 0; i < (f.times ?? 1); i++) q.push(f);
    this.twirpFailures.set(method, q);
  }

  /** The next `times` blob requests fail with an Azure error. */
  failBlobNext(f: BlobFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.store.failures.push(f);
  }

  /** The committed zip of a finalized artifact. */
  zipOf(name: string): Buffer {
    const a = this.artifacts.get(name);
    const blob = a && this.store.blobs.get(a.blobPath);
    if (!a?.id || !blob?.committed) throw new Error(`no finalized artifact named ${name}`);
    return blob.committed;
  }

  blobOf(name: string): StoredBlob | undefined {
    const a = this.artifacts.get(name);
    return a ? this.store.blobs.get(a.blobPath) : undefined;
  }

  assertNoViolations(): void {
    if (this.violations.length)
      throw new Error(`requests broke the results service's contract:\n- ${this.violations.join('\n- ')}`);
  }

  reset(): void {
    this.violations.length = 0;
    this.calls.length = 0;
    this.artifacts.clear();
    this.store.blobs.clear();
    this.store.failures.length = 0;
    this.twirpFailures.clear();
  }

  private async twirp(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://results');
    const method = url.pathname.startsWith(`/twirp/${SERVICE}/`)
      ? url.pathname.slice(`/twirp/${SERVICE}/`.length)
      : '';
    const call = { method: method || url.pathname, status: 0 };
    this.calls.push(call);
    const send = (status: number, json: unknown) => {
      call.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const error = (code: string, msg: string, violation = true) => {
      if (violation) this.violations.push(`${req.method} ${url.pathname}: ${msg}`);
      send(TWIRP_STATUS[code] ?? 500, { code, msg });
    };
    const contract = METHODS.get(method);
    if (req.method !== 'POST' || !contract)
      return error('bad_route', `no such route ${req.method} ${url.pathname}`);
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
      return error('bad_route', `Content-Type ${req.headers['content-type']}: the client speaks Twirp JSON`);
    const auth = verifyRuntimeToken(req.headers.authorization, this.secret);
    if ('problem' in auth) return error('unauthenticated', auth.problem);
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return error('malformed', 'body is not JSON');
    }
    const parsed = contract.parse(json);
    if ('problem' in parsed) return error('malformed', parsed.problem);
    const m = parsed.message;
    // The ids come from the token's scp claim; any others are another job's.
    const scope = `Actions.Results:${m.workflowRunBackendId}:${m.workflowJobRunBackendId}`;
    if (!auth.scp.split(' ').includes(scope))
      return error('permission_denied', `backend ids not in the token: ${scope}`);
    const injected = this.twirpFailures.get(method)?.shift();
    if (injected) {
      call.status = injected.status ?? TWIRP_STATUS[injected.code] ?? 500;
      res.writeHead(call.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: injected.code, msg: injected.msg ?? 'injected failure' }));
      return;
    }
    if (method === 'CreateArtifact') return this.create(m, contract.reply, send, error);
    if (method === 'FinalizeArtifact') return this.finalize(m, contract.reply, send, error);
    return error(
      'bad_route',
      `${method} is not faked (an upload calls CreateArtifact and FinalizeArtifact only)`,
    );
  }

  private async create(
    m: Record<string, unknown>,
    reply: (v: Record<string, unknown>) => unknown,
    send: (status: number, json: unknown) => void,
    error: (code: string, msg: string, violation?: boolean) => void,
  ): Promise<void> {
    const name = String(m.name);
    if (!name || /["<>|*?:\r\n\\/]/.test(name)) return error('invalid_argument', `artifact name '${name}'`);
    // One name per workflow run: GitHub answers a second one with a conflict.
    if (this.artifacts.has(name))
      return error('already_exists', `an artifact named ${name} already exists`, false);
    const mime = (m.mimeType as { value?: string } | undefined)?.value;
    if (mime !== 'application/zip')
      return error('invalid_argument', `mime_type ${mime} for a zipped artifact`);
    const expires = m.expiresAt as { seconds?: string } | undefined;
    if (expires && Number(expires.seconds) * 1000 < Date.now())
      return error('invalid_argument', 'expires_at in the past');
    const blobPath = `/devstoreaccount1/actions-results/${m.workflowRunBackendId}/${m.workflowJobRunBackendId}/${encodeURIComponent(name)}.zip`;
    this.artifacts.set(name, {
      name,
      runBackendId: String(m.workflowRunBackendId),
      jobBackendId: String(m.workflowJobRunBackendId),
      created: m,
      blobPath,
    });
    send(200, reply({ ok: true, signedUploadUrl: this.store.issue(blobPath) }));
  }

  private async finalize(
    m: Record<string, unknown>,
    reply: (v: Record<string, unknown>) => unknown,
    send: (status: number, json: unknown) => void,
    error: (code: string, msg: string, violation?: boolean) => void,
  ): Promise<void> {
    const a = this.artifacts.get(String(m.name));
    if (!a) return error('not_found', `FinalizeArtifact for ${m.name}, never created`);
    const blob = this.store.blobs.get(a.blobPath);
    if (!blob?.committed)
      return error('invalid_argument', `FinalizeArtifact for ${a.name} before its blob was committed`);
    if (String(m.size) !== String(blob.committed.length))
      return error('invalid_argument', `size ${m.size} but ${blob.committed.length} bytes were committed`);
    const hash = (m.hash as { value?: string } | undefined)?.value;
    const sha = `sha256:${createHash('sha256').update(blob.committed).digest('hex')}`;
    if (hash !== undefined && hash !== sha)
      return error('invalid_argument', `hash ${hash} but the blob is ${sha}`);
    a.finalized = { size: String(m.size), hash };
    a.id = this.nextId++;
    send(200, reply({ ok: true, artifactId: String(a.id) }));
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body over the size cap');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function startFakeResultsService(): Promise<FakeResultsService> {
  return new FakeResultsService().start();
}
