/**
 * Talks to a Prometheus Pushgateway: push one run's group, list groups, delete one.
 * Each gate run is its own group {job, instance, run_id}; a PUT replaces only that
 * run's group, so runs never overwrite each other (see metrics.ts).
 */

/** A grouping key in the order it appears in the URL; `job` first, as the API requires. */
export type GroupingKey = readonly (readonly [name: string, value: string])[];

/** base64url without padding, the Pushgateway's `label@base64/value` path encoding. */
function b64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

function withoutCredentials(base: URL, path: string): URL {
  const url = new URL(base.href);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  return url;
}

/**
 * The group's URL. Values go base64url-encoded so a `/` in a repository name
 * ("owner/repo") or any hostile character (a label value read back from a shared
 * gateway) cannot change the path or the grouping. An empty value is encoded as `=`,
 * the API's spelling of "".
 */
export function groupUrl(base: URL, key: GroupingKey): URL {
  const path = key.map(([name, value]) => `/${name}@base64/${value === '' ? '=' : b64url(value)}`).join('');
  return withoutCredentials(base, `/metrics${path}`);
}

/** fetch() refuses URLs with userinfo; a Pushgateway behind basic auth gets a header instead. */
export function authHeader(base: URL): Record<string, string> {
  if (!base.username && !base.password) return {};
  const user = decodeURIComponent(base.username);
  const pass = decodeURIComponent(base.password);
  return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

async function expectOk(res: Response): Promise<void> {
  // Drain the body so the socket is released; its text helps the warning.
  const text = (await res.text()).slice(0, 300).replace(/\s+/g, ' ').trim();
  if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text}` : ''}`);
}

/** PUT: replaces the group's metrics with `body` (Prometheus text format). */
export async function pushToGateway(
  base: URL,
  key: GroupingKey,
  body: string,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(groupUrl(base, key), {
    method: 'PUT',
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', ...authHeader(base) },
    body,
    // Bounds connect + response together: a gateway that accepts the connection and
    // then never answers must not hold the gate.
    signal,
    redirect: 'error',
  });
  await expectOk(res);
}

export async function deleteGroup(base: URL, key: GroupingKey, signal: AbortSignal): Promise<void> {
  const res = await fetch(groupUrl(base, key), {
    method: 'DELETE',
    headers: authHeader(base),
    signal,
    redirect: 'error',
  });
  await expectOk(res);
}

/** The listing of a busy shared gateway is large; past this we skip the cleanup, not the gate. */
export const MAX_LISTING_BYTES = 32 * 1024 * 1024;

export interface GatewayGroup {
  labels: Record<string, string>;
  /** push_time_seconds, the gateway's own clock. */
  pushTimeSeconds: number | undefined;
  /** sandbox_report_timestamp_seconds of the group, when it has one. */
  reportTimeSeconds: number | undefined;
}

function gaugeValue(family: unknown): number | undefined {
  const metrics = (family as { metrics?: unknown } | null)?.metrics;
  if (!Array.isArray(metrics) || metrics.length === 0) return undefined;
  const v = Number((metrics[0] as { value?: unknown } | null)?.value);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * GET /api/v1/metrics: every group with its labels and the two times the cleanup
 * needs. The answer is someone else's data on a shared gateway: read with a size
 * cap and parsed field by field, anything malformed skipped.
 */
export async function listGroups(
  base: URL,
  signal: AbortSignal,
  reportTimeMetric: string,
): Promise<GatewayGroup[]> {
  const res = await fetch(withoutCredentials(base, '/api/v1/metrics'), {
    headers: { accept: 'application/json', ...authHeader(base) },
    signal,
    redirect: 'error',
  });
  if (!res.ok || !res.body) {
    await expectOk(res);
    return [];
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_LISTING_BYTES) throw new Error(`group listing larger than ${MAX_LISTING_BYTES} bytes`);
    chunks.push(chunk);
  }
  const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown };
  if (!Array.isArray(parsed.data)) throw new Error('group listing has no data array');
  const groups: GatewayGroup[] = [];
  for (const g of parsed.data as Record<string, unknown>[]) {
    const labels = g?.labels;
    if (typeof labels !== 'object' || labels === null) continue;
    const entries = Object.entries(labels);
    if (!entries.every(([, v]) => typeof v === 'string')) continue;
    groups.push({
      labels: Object.fromEntries(entries) as Record<string, string>,
      pushTimeSeconds: gaugeValue(g.push_time_seconds),
      reportTimeSeconds: gaugeValue(g[reportTimeMetric]),
    });
  }
  return groups;
}
