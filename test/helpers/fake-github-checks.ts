import type { IncomingMessage } from 'node:http';
import { type Operation, openApiIndex } from './fake-github-openapi.js';

/**
 * The request checks of the fake GitHub server: headers as GitHub's API front end
 * demands them, and parameters and body against the operation's OpenAPI schemas.
 */

/** GitHub needs a User-Agent (403 without), an Accept it can serve, and here always a token. */
export function checkHeaders(
  req: IncomingMessage,
  token: string,
  hasBody: boolean,
): 'bad-token' | { status: number; message: string } | undefined {
  const auth = req.headers.authorization;
  if (!auth) return { status: 401, message: 'Requires authentication (no Authorization header)' };
  const m = /^(?:token|bearer) (\S+)$/i.exec(auth);
  if (!m) return { status: 401, message: 'Authorization header is not `token X` or `Bearer X`' };
  if (m[1] !== token) return 'bad-token';
  if (!req.headers['user-agent']) {
    return { status: 403, message: 'Request forbidden by administrative rules: no User-Agent' };
  }
  const accept = req.headers.accept ?? '';
  if (!/application\/(vnd\.github[^,]*|json)|\*\/\*/.test(accept)) {
    return { status: 415, message: `Accept header missing or not a GitHub media type: "${accept}"` };
  }
  if (hasBody && !/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    return { status: 415, message: 'request body is not sent as application/json' };
  }
  return undefined;
}

/** Query strings are text; the schema speaks of integers and booleans. */
function coerce(raw: string, type: unknown): unknown {
  if (type === 'integer' || type === 'number') return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

/** Path and query parameters and the JSON body, against the operation's schemas. */
export function checkRequest(
  op: Operation,
  pathParams: Record<string, string>,
  query: URLSearchParams,
  body: unknown,
): string[] {
  const api = openApiIndex();
  const problems: string[] = [];
  for (const p of op.parameters) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    const raw = p.in === 'path' ? pathParams[p.name] : (query.get(p.name) ?? undefined);
    if (raw === undefined) {
      if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`);
      continue;
    }
    if (!p.schema) continue;
    const value = coerce(raw, p.schema.type);
    for (const e of api.validate(`${op.operationId}:param:${p.in}:${p.name}`, p.schema, value)) {
      problems.push(`${p.in} parameter ${p.name}: ${e}`);
    }
  }
  if (body === undefined) {
    if (op.requestRequired) problems.push('a request body is required');
  } else if (!op.requestSchema) {
    problems.push('this operation takes no JSON body');
  } else {
    for (const e of api.validate(`${op.operationId}:request`, op.requestSchema, body))
      problems.push(`body${e}`);
  }
  return problems;
}
