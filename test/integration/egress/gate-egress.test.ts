import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../../src/report/types.js';
import { runCli } from '../../helpers/cli-capture.js';
import { type EgressUpstream, startEgressUpstream } from '../../helpers/egress-upstream.js';
import { ensureTestImage } from '../../helpers/test-image.js';

// A real gate of a script whose level has egress: the sandbox keeps --network none, the
// script reaches an allowed host only through the bridge and Airlock's proxy, and every
// attempt (allowed or not) lands in the report and the audit log. The allowed host is a
// real server in its own network namespace; its name resolves through /etc/hosts (the
// proxy uses the host's resolver), added for this test and removed after it.

let ws: string;
let image: string;
let upstream: EgressUpstream;

const SCRIPT = `import json, socket, ssl, urllib.request
out = {}
def fetch(name, url, ctx=None):
    try:
        with urllib.request.urlopen(url, timeout=10, context=ctx) as r:
            out[name] = [r.status, r.read().decode()[:60]]
    except Exception as e:
        out[name] = [getattr(e, "code", None), type(e).__name__]
fetch("allowed", "http://index.test/simple/pkg/")
fetch("tls", "https://index.test/simple/", ssl._create_unverified_context())
fetch("unlisted", "http://other.test/simple/")
fetch("literal", "http://198.51.100.1/simple/")
try:
    socket.getaddrinfo("index.test", 80)
    out["dns"] = "resolved"
except OSError:
    out["dns"] = "no resolver"
try:
    socket.create_connection(("198.51.100.1", 80), timeout=3).close()
    out["direct"] = "connected"
except OSError:
    out["direct"] = "unreachable"
# Something other than HTTP to the bridge: the proxy hangs up and records it.
try:
    raw = socket.create_connection(("127.0.0.1", 3128), timeout=5)
    raw.sendall(b"\\x16\\x03\\x01 not http\\r\\n\\r\\n")
    out["garbage"] = raw.recv(100).decode("latin1")[:12] or "closed"
    raw.close()
except OSError as e:
    out["garbage"] = type(e).__name__
# Past the bridge, straight to the proxy's socket: the same checks apply.
try:
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.settimeout(5)
    u.connect("/airlock-egress/proxy.sock")
    u.sendall(b"CONNECT other.test:443 HTTP/1.1\\r\\nHost: other.test:443\\r\\n\\r\\n")
    out["socket"] = u.recv(100).decode("latin1").split("\\r\\n")[0]
    u.close()
except OSError as e:
    out["socket"] = type(e).__name__
# An upload past the run's byte budget (1 MiB) is cut.
try:
    urllib.request.urlopen(urllib.request.Request("http://index.test/simple/upload", data=b"x" * (2 * 1024 * 1024)), timeout=10)
    out["upload"] = "sent"
except Exception as e:
    out["upload"] = type(e).__name__
print(json.dumps(out))
`;

beforeAll(async () => {
  image = await ensureTestImage();
  upstream = await startEgressUpstream(['index.test'], {
    hosts: { names: ['index.test', 'other.test'], label: 'gate-egress.test' },
  });
  ws = mkdtempSync(join(tmpdir(), 'airlock-gate-egress-'));
  chmodSync(ws, 0o755);
  mkdirSync(join(ws, 'analysis'), { mode: 0o755 });
  writeFileSync(join(ws, 'analysis', 'fetch.py'), SCRIPT, { mode: 0o644 });
  writeFileSync(
    join(ws, 'egress.yml'),
    `version: 1
extends: default
# The small test image has no Semgrep (test/fixtures/policies/bandit-only.yml says why).
scanners:
  semgrep:
    mode: off
levels:
  rules:
    # The fixture's own network calls, reviewed: low, so its profile's egress applies.
    - { tool: bandit, ruleId: "B310", level: low }
    - { tool: bandit, ruleId: "B323", level: low }
profiles:
  standard:
    egress:
      allow:
        - "index.test:80"
        - "index.test:443"
      maxBytes: 1048576
`,
  );
}, 660_000); // may wait for another test's upstream (egress-upstream.ts: one at a time)

afterAll(async () => {
  await upstream?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

// Under gVisor too: the bridge's connection to the proxy's socket crosses runsc's
// gofer, which refuses host sockets unless the runtime is registered with
// --host-uds=open (docs/egress.md, "Under gVisor"; scripts/setup.sh registers it so).
describe.each(['runc', 'runsc'])(
  'airlock gate with egress under %s (real sandbox, real proxy, real upstream)',
  (runtime) => {
    let report: GateReport;
    let audit: { kind: string; data: Record<string, unknown> }[];

    beforeAll(async () => {
      const { code, stderr } = await runCli(
        [
          'gate',
          'analysis',
          '--image',
          image,
          '--runtime',
          runtime,
          '--policy',
          'egress.yml',
          '--report',
          `r-${runtime}.json`,
          '--out',
          `out-${runtime}`,
          '--audit-log',
          `audit-${runtime}/audit.log`,
        ],
        ws,
      );
      expect(code, stderr).toBe(0);
      report = JSON.parse(readFileSync(join(ws, `r-${runtime}.json`), 'utf8'));
      audit = readFileSync(join(ws, `audit-${runtime}/audit.log`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    }, 240_000);

    it('ran under the runtime asked for', () => {
      expect(report.scripts[0]?.execution?.runtime).toBe(runtime);
    });

    it('the script reached the allowed host over HTTP and HTTPS, and nothing else', () => {
      const s = report.scripts[0]!;
      expect(s.level).toBe('low');
      expect(s.execution?.status).toBe('success');
      const seen = JSON.parse(s.execution!.stdout.trim().split('\n').at(-1)!);
      expect(seen.allowed[0]).toBe(200);
      expect(seen.allowed[1]).toContain('upstream GET /simple/pkg/ host=index.test');
      expect(seen.tls[0]).toBe(200);
      expect(seen.unlisted[0]).toBe(403);
      expect(seen.literal[0]).toBe(403);
      expect(seen.dns).toBe('no resolver');
      expect(seen.direct).toBe('unreachable');
      expect(seen.socket).toBe('HTTP/1.1 403 Forbidden');
      expect(seen.upload).not.toBe('sent');
    });

    it('the report records every attempt, allowed or denied, with the reason', () => {
      const egress = report.scripts[0]!.execution!.egress!;
      expect(egress.map((e) => [e.method, e.host, e.port, e.allowed])).toEqual([
        ['GET', 'index.test', 80, true],
        ['CONNECT', 'index.test', 443, true],
        ['GET', 'other.test', 80, false],
        ['GET', '198.51.100.1', 80, false],
        ['-', '-', 0, false],
        ['CONNECT', 'other.test', 443, false],
        ['POST', 'index.test', 80, false],
      ]);
      expect(egress.map((e) => e.reason).slice(2)).toEqual([
        'host not on the allowlist',
        'IP literal',
        'not HTTP',
        'host not on the allowlist',
        'byte budget exceeded',
      ]);
      expect(egress[0]!.bytesDown).toBeGreaterThan(0);
    });

    it('the audit log has one egress entry per request, after the execution entry', () => {
      const kinds = audit.map((e) => e.kind);
      const exec = kinds.indexOf('execution');
      expect(kinds.slice(exec, exec + 8)).toEqual(['execution', ...Array(7).fill('egress')]);
      expect(audit[exec + 3]!.data).toMatchObject({
        path: 'analysis/fetch.py',
        method: 'GET',
        host: 'other.test',
        allowed: false,
        reason: 'host not on the allowlist',
      });
    });
  },
);
