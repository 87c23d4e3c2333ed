import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The Azure Blob Storage subset a signed upload URL is used for by @azure/storage-blob
 * (BlockBlobClient.uploadStream: Put Block per chunk, then Put Block List; a single Put
 * Blob is accepted too), as the Blob service REST reference describes it:
 * - every request carries `x-ms-version`; the URL's SAS must be the one issued, unexpired;
 * - Put Block: `PUT <blob>?comp=block&blockid=<base64>`, every id of one blob the same
 *   length, the body the block, answered 201;
 * - Put Block List: `PUT <blob>?comp=blocklist`, an XML `<BlockList>` of `<Latest>`,
 *   `<Uncommitted>` or `<Committed>` ids, each staged before; answered 201;
 * - errors: the status with `x-ms-error-code` and an XML `<Error><Code/><Message/></Error>`.
 * Anything else is recorded as a violation.
 */
export interface StoredBlob {
  /** URL path, e.g. /devstoreaccount1/actions-results/<run>/<job>/<name>.zip */
  path: string;
  sas: URLSearchParams;
  staged: Map<string, Buffer>;
  committed: Buffer | undefined;
  contentType: string | undefined;
  blockIds: string[];
}

export interface BlobFailure {
  status: number;
  code: string;
}

const SAS_KEYS = new Set(['sv', 'se', 'sp', 'sr', 'sig', 'st', 'spr']);
const OP_KEYS = new Set(['comp', 'blockid', 'timeout']);
const MAX_BLOCKS = 50_000;

export class FakeBlobStore {
  readonly blobs = new Map<string, StoredBlob>();
  readonly failures: BlobFailure[] = [];

  constructor(
    private readonly violation: (v: string) => void,
    private readonly base: () => string,
  ) {}

  /** A signed URL for a new blob at `path`, valid for an hour, create and write only. */
  issue(path: string): string {
    const se = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const sas = new URLSearchParams({
      sv: '2024-08-04',
      se,
      sp: 'cw',
      sr: 'b',
      sig: randomBytes(32).toString('base64'),
    });
    this.blobs.set(path, {
      path,
      sas,
      staged: new Map(),
      committed: undefined,
      contentType: undefined,
      blockIds: [],
    });
    return `${this.base()}${path}?${sas.toString()}`;
  }

  async handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://blob');
    const fail = (status: number, code: string, message: string, violation?: string) => {
      if (violation)
        this.violation(
          `blob ${req.method} ${url.pathname}?${url.searchParams.get('comp') ?? ''}: ${violation}`,
        );
      res.writeHead(status, {
        'content-type': 'application/xml',
        'x-ms-error-code': code,
        'x-ms-request-id': randomBytes(8).toString('hex'),
        'x-ms-version': '2024-08-04',
      });
      res.end(
        `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
      );
    };
    const blob = this.blobs.get(url.pathname);
    if (!blob) return fail(404, 'BlobNotFound', 'no such upload URL', 'a URL the service never issued');
    for (const k of url.searchParams.keys()) {
      if (!SAS_KEYS.has(k) && !OP_KEYS.has(k))
        return fail(400, 'InvalidQueryParameterValue', k, `query ${k}`);
    }
    for (const k of ['sv', 'se', 'sp', 'sr', 'sig']) {
      if (url.searchParams.get(k) !== blob.sas.get(k))
        return fail(403, 'AuthenticationFailed', 'signature', `SAS ${k} differs from the issued one`);
    }
    if (Date.parse(blob.sas.get('se') ?? '') < Date.now())
      return fail(403, 'AuthenticationFailed', 'expired');
    if (req.method !== 'PUT') return fail(405, 'UnsupportedHttpVerb', 'PUT only', `method ${req.method}`);
    if (!req.headers['x-ms-version'])
      return fail(400, 'MissingRequiredHeader', 'x-ms-version', 'no x-ms-version');
    const length = Number(req.headers['content-length'] ?? Number.NaN);
    if (length !== body.length)
      return fail(
        400,
        'InvalidHeaderValue',
        'Content-Length',
        `Content-Length ${length} != body ${body.length}`,
      );
    const injected = this.failures.shift();
    if (injected) return fail(injected.status, injected.code, 'injected failure');

    const comp = url.searchParams.get('comp');
    if (comp === 'block') {
      const id = url.searchParams.get('blockid') ?? '';
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id) || Buffer.from(id, 'base64').length > 64)
        return fail(
          400,
          'InvalidQueryParameterValue',
          'blockid',
          `block id '${id}' is not base64 of at most 64 bytes`,
        );
      const first = blob.staged.keys().next().value as string | undefined;
      if (first !== undefined && first.length !== id.length)
        return fail(400, 'InvalidBlobOrBlock', 'block id length', 'block ids of one blob differ in length');
      if (blob.staged.size >= MAX_BLOCKS && !blob.staged.has(id))
        return fail(409, 'BlockCountExceedsLimit', 'blocks');
      blob.staged.set(id, body);
      return this.created(res, { 'content-md5': createHash('md5').update(body).digest('base64') });
    }
    if (comp === 'blocklist') {
      const xml = body.toString('utf8');
      if (!/^(<\?xml[^>]*\?>)?\s*<BlockList>[\s\S]*<\/BlockList>\s*$/.test(xml))
        return fail(400, 'InvalidXmlDocument', 'BlockList', 'body is not a <BlockList>');
      const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
      const missing = ids.filter((id) => !blob.staged.has(id));
      if (missing.length)
        return fail(400, 'InvalidBlockList', 'unknown block', `block(s) never staged: ${missing.join(',')}`);
      blob.blockIds = ids;
      blob.committed = Buffer.concat(ids.map((id) => blob.staged.get(id)!));
      blob.contentType = String(req.headers['x-ms-blob-content-type'] ?? '') || undefined;
      return this.created(res, {});
    }
    if (comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob') {
      blob.committed = body;
      blob.contentType =
        String(req.headers['x-ms-blob-content-type'] ?? req.headers['content-type'] ?? '') || undefined;
      return this.created(res, {});
    }
    return fail(400, 'InvalidQueryParameterValue', 'comp', `operation comp=${comp} is not part of an upload`);
  }

  private created(res: ServerResponse, extra: Record<string, string>): void {
    res.writeHead(201, {
      etag: `"0x${randomBytes(8).toString('hex').toUpperCase()}"`,
      'last-modified': new Date().toUTCString(),
      'x-ms-request-id': randomBytes(8).toString('hex'),
      'x-ms-version': '2024-08-04',
      'x-ms-request-server-encrypted': 'true',
      date: new Date().toUTCString(),
      ...extra,
    });
    res.end();
  }
}
