/**
 * Pushes one metrics body to a Prometheus Pushgateway, replacing the group
 * {job, instance} (HTTP PUT: metrics of this group that are not in the body go away,
 * which is right because our counters are cumulative and always complete; see metrics.ts).
 */

/** base64url without padding, the Pushgateway's `label@base64/value` path encoding. */
function b64url(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64url');
}

/**
 * The group's URL. Values go base64url-encoded so a `/` in a repository name
 * ("owner/repo") or any hostile character cannot change the path or the grouping.
 */
export function groupUrl(base: URL, job: string, instance: string): URL {
  const url = new URL(base.href);
  url.username = '';
  url.password = '';
  const prefix = url.pathname.replace(/\/+$/, '');
  url.pathname = `${prefix}/metrics/job@base64/${b64url(job)}/instance@base64/${b64url(instance)}`;
  return url;
}

/** fetch() refuses URLs with userinfo; a Pushgateway behind basic auth gets a header instead. */
function authHeader(base: URL): Record<string, string> {
  if (!base.username && !base.password) return {};
  const user = decodeURIComponent(base.username);
  const pass = decodeURIComponent(base.password);
  return { authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` };
}

export async function pushToGateway(
  base: URL,
  job: string,
  instance: string,
  body: string,
  timeoutMs: number,
): Promise<void> {
  const res = await fetch(groupUrl(base, job, instance), {
    method: 'PUT',
    headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', ...authHeader(base) },
    body,
    // Bounds connect + response together: a gateway that accepts the connection and
    // then never answers must not hold the gate.
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  // Drain the body so the socket is released; its text helps the warning.
  const text = (await res.text()).slice(0, 300).replace(/\s+/g, ' ').trim();
  if (!res.ok) throw new Error(`HTTP ${res.status}${text ? `: ${text}` : ''}`);
}
