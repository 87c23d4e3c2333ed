import { createHmac, timingSafeEqual } from 'node:crypto';
// The generated Twirp/protobuf types @actions/artifact itself speaks with (protobuf-ts
// reflection: field names, types, JSON forms). Its package.json exports only the entry,
// so they are reached by path; they are the contract, not a copy of it.
import { ArtifactService } from '../../node_modules/@actions/artifact/lib/generated/index.js';

/**
 * The Actions results service's side of the artifact contract, as @actions/artifact
 * 6.x uses it (lib/internal/shared/artifact-twirp-client.js, util.js, config.js):
 * - Twirp JSON: `POST {origin of ACTIONS_RESULTS_URL}/twirp/<service>/<method>`,
 *   `Content-Type: application/json`, `Authorization: Bearer ACTIONS_RUNTIME_TOKEN`,
 *   the body the message type's `toJson({ useProtoFieldName: true })`.
 * - ACTIONS_RUNTIME_TOKEN: a JWT whose `scp` claim holds, among other scopes,
 *   `Actions.Results:<workflow run backend id>:<workflow job run backend id>`; the
 *   client decodes it (unverified) and sends those ids in every request.
 * - Errors: an HTTP status with a Twirp error body `{"code": ..., "msg": ...}`.
 */
export const SERVICE = ArtifactService.typeName;

export interface MethodContract {
  name: string;
  parse(body: unknown): { message: Record<string, unknown> } | { problem: string };
  reply(value: Record<string, unknown>): unknown;
}

/** The service's methods, by name, from the generated ServiceType. */
export const METHODS: ReadonlyMap<string, MethodContract> = new Map(
  ArtifactService.methods.map((m) => [
    m.name,
    {
      name: m.name,
      parse(body: unknown) {
        if (!body || typeof body !== 'object' || Array.isArray(body))
          return { problem: 'body is not a JSON object' };
        // The client writes the .proto names (useProtoFieldName); a camelCase or unknown key is not what it sends.
        const names = new Set(m.I.fields.map((f) => f.name));
        const unknown = Object.keys(body).filter((k) => !names.has(k));
        if (unknown.length)
          return {
            problem: `${m.I.typeName}: unknown field(s) ${unknown.join(', ')} (known: ${[...names].join(', ')})`,
          };
        try {
          const message = m.I.fromJson(body as never, { ignoreUnknownFields: false }) as Record<
            string,
            unknown
          >;
          return { message };
        } catch (e) {
          return { problem: `${m.I.typeName}: ${(e as Error).message}` };
        }
      },
      reply(value: Record<string, unknown>) {
        return m.O.toJson(m.O.create(value as never), { useProtoFieldName: true });
      },
    },
  ]),
);

/** Twirp error codes the fake answers with, and their HTTP statuses (twirp spec, "Error codes"). */
export const TWIRP_STATUS: Record<string, number> = {
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503,
};

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** An HS256 JWT with the runner's `scp` claim for these backend ids, signed with `secret`. */
export function runtimeToken(secret: string, runBackendId: string, jobBackendId: string): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(
    JSON.stringify({
      scp: `Actions.ExampleScope Actions.Results:${runBackendId}:${jobBackendId}`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      iss: 'fake-results-service',
    }),
  );
  const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${b64url(sig)}`;
}

/** The token's claims when it is ours, signed and unexpired; else why not. */
export function verifyRuntimeToken(
  authorization: string | undefined,
  secret: string,
): { scp: string } | { problem: string } {
  const m = /^Bearer (\S+)$/.exec(authorization ?? '');
  if (!m) return { problem: 'no Bearer token in Authorization' };
  const [header, payload, sig] = m[1]!.split('.');
  if (!header || !payload || !sig) return { problem: 'token is not a JWT' };
  const want = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { problem: 'token signature' };
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
    scp?: string;
    exp?: number;
  };
  if (!claims.exp || claims.exp * 1000 < Date.now()) return { problem: 'token expired' };
  return { scp: claims.scp ?? '' };
}
