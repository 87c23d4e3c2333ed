import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { createTelemetry, type Telemetry } from '../../../src/telemetry/telemetry.js';

/**
 * Export behaviour against real sockets on loopback: what an unconfigured gate sends
 * (nothing), what a dead endpoint costs (a bounded wait and a warning, never a failed
 * gate), and what a live OTLP endpoint receives.
 */

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

/** Records every outgoing TCP connection the process starts (net, http, fetch/undici all publish here). */
function watchConnections(): { count: () => number; stop: () => void } {
  let n = 0;
  const onSocket = () => {
    n++;
  };
  diagnostics.subscribe('net.client.socket', onSocket);
  return { count: () => n, stop: () => diagnostics.unsubscribe('net.client.socket', onSocket) };
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function recordFailures(t: Telemetry, n: number): void {
  for (let i = 0; i < n; i++) {
    t.recordSandboxRun({
      status: 'failure',
      durationMs: 400,
      exitCode: 1,
      scriptPath: `s${i}.py`,
      sha256: 'f',
    });
  }
}

describe('telemetry export', () => {
  it('makes no network connection when no endpoint is configured', async () => {
    // Positive control first: the watcher does see a loopback connection.
    const server = net.createServer((s) => s.end());
    const port = await listen(server);
    closers.push(() => new Promise((r) => server.close(() => r())));
    const watch = watchConnections();
    try {
      await new Promise<void>((resolve) =>
        net
          .connect(port, '127.0.0.1', resolve)
          .on('close', () => resolve())
          .end(),
      );
      expect(watch.count()).toBe(1);

      const t = createTelemetry({ env: { GITHUB_REPOSITORY: 'o/r' }, runId: 'r', log: () => undefined });
      recordFailures(t, 3);
      expect(await t.flush()).toEqual({ otlp: 'off', pushgateway: 'off' });
      expect(watch.count()).toBe(1);
    } finally {
      watch.stop();
    }
  });

  it('gives up on an endpoint that accepts and never answers within the timeout, with warnings', async () => {
    // A black hole: accepts the TCP connection, reads, never replies (a hung collector).
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on('data', () => undefined);
    });
    const port = await listen(server);
    closers.push(
      () =>
        new Promise((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    );
    const lines: string[] = [];
    const t = createTelemetry({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        AIRLOCK_PUSHGATEWAY_URL: `http://u:hunter2@127.0.0.1:${port}`,
        AIRLOCK_TELEMETRY_TIMEOUT_MS: '800',
      },
      runId: 'r',
      log: (l) => lines.push(l),
    });
    recordFailures(t, 1);
    const started = performance.now();
    const result = await t.flush();
    const elapsed = performance.now() - started;
    console.log(`flush against a black-hole endpoint took ${Math.round(elapsed)} ms (timeout 800 ms)`);
    expect(result).toEqual({ otlp: 'failed', pushgateway: 'failed' });
    expect(elapsed).toBeLessThan(3000);
    expect(sockets.length).toBeGreaterThanOrEqual(2);
    const warnings = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'telemetry.warning');
    expect(warnings.map((w) => w.target).sort()).toEqual(['otlp', 'pushgateway']);
    expect(lines.join('\n')).not.toContain('hunter2');
  });

  it('reports a refused connection as a warning, not an exception', async () => {
    const server = net.createServer();
    const port = await listen(server);
    await new Promise<void>((r) => server.close(() => r())); // now nothing listens there
    const lines: string[] = [];
    const t = createTelemetry({
      env: {
        AIRLOCK_PUSHGATEWAY_URL: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        AIRLOCK_TELEMETRY_TIMEOUT_MS: '1000',
      },
      runId: 'r',
      log: (l) => lines.push(l),
    });
    const started = performance.now();
    // The OTLP exporter retries a refused connection with backoff; the timeout still bounds it.
    await expect(t.flush()).resolves.toEqual({ otlp: 'failed', pushgateway: 'failed' });
    const took = performance.now() - started;
    console.log(`flush against a refused port took ${Math.round(took)} ms (timeout 1000 ms)`);
    expect(took).toBeLessThan(3000);
    expect(lines.filter((l) => l.includes('"telemetry.warning"'))).toHaveLength(2);
  });

  it('sends the three metrics to a live OTLP/HTTP endpoint with the instance as service.instance.id', async () => {
    const bodies: { url: string; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        bodies.push({ url: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    const port = await listen(server);
    closers.push(() => new Promise((r) => server.close(() => r())));
    const t = createTelemetry({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, GITHUB_REPOSITORY: 'octo/repo' },
      runId: 'r',
      log: () => undefined,
    });
    recordFailures(t, 2);
    t.recordAlert({ reason: 'smoke_failed' });
    expect(await t.flush()).toEqual({ otlp: 'sent', pushgateway: 'off' });
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.url).toBe('/v1/metrics');
    const payload = JSON.parse(bodies[0]!.body);
    const rm = payload.resourceMetrics[0];
    const attrs = Object.fromEntries(
      rm.resource.attributes.map((a: { key: string; value: { stringValue?: string } }) => [
        a.key,
        a.value.stringValue,
      ]),
    );
    expect(attrs['service.name']).toBe('airlock');
    expect(attrs['service.instance.id']).toBe('octo/repo');
    const metrics = rm.scopeMetrics.flatMap((s: { metrics: { name: string }[] }) => s.metrics);
    const names = metrics.map((m: { name: string }) => m.name).sort();
    expect(names).toEqual([
      'sandbox_alerts_total',
      'sandbox_duration_ms',
      'sandbox_report_timestamp_seconds',
      'sandbox_runs_total',
    ]);
    const runs = metrics.find((m: { name: string }) => m.name === 'sandbox_runs_total');
    expect(runs.sum.isMonotonic).toBe(true);
    const failure = runs.sum.dataPoints.find(
      (p: { attributes: { key: string; value: { stringValue: string } }[] }) =>
        p.attributes.some((a) => a.key === 'status' && a.value.stringValue === 'failure'),
    );
    expect(Number(failure.asInt ?? failure.asDouble)).toBe(2);
    // The run is a label of every point, as on the Pushgateway: runs never merge in the collector.
    const runIds = runs.sum.dataPoints.map(
      (p: { attributes: { key: string; value: { stringValue: string } }[] }) =>
        p.attributes.find((a) => a.key === 'run_id')?.value.stringValue,
    );
    expect(new Set(runIds)).toEqual(new Set(['r']));
  });

  it('produces exposition text that promtool accepts', async () => {
    const t = createTelemetry({ env: {}, runId: 'r', log: () => undefined });
    recordFailures(t, 3);
    t.recordSandboxRun({ status: 'success', durationMs: 1, exitCode: 0, scriptPath: 'ok.py', sha256: 'a' });
    const text = await t.metricsText();
    const r = await tryRunCommand('promtool', ['check', 'metrics'], { input: text, timeoutMs: 30_000 });
    // promtool exits 1 on a parse error and 3 on lint remarks. The one remark we accept
    // is about `sandbox_duration_ms` (an abbreviated unit): DESIGN.md fixes that name.
    const remarks = (r.stdout + r.stderr).split('\n').filter(Boolean);
    expect(remarks).toEqual(['sandbox_duration_ms metric names should not contain abbreviated units']);
    expect(r.exitCode).toBe(3);
  });
  it('keeps a pushed run "sent" when the cleanup after it hangs or gets garbage, within the same timeout', async () => {
    // A gateway that takes the push, then never answers the group listing (or answers junk).
    const requests: string[] = [];
    let listing: 'hang' | 'junk' = 'hang';
    const server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      req.resume();
      if (req.method === 'PUT') res.writeHead(200).end();
      else if (listing === 'junk')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": 7');
    });
    const port = await listen(server);
    closers.push(
      () =>
        new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    for (const mode of ['hang', 'junk'] as const) {
      listing = mode;
      const lines: string[] = [];
      const t = createTelemetry({
        env: {
          AIRLOCK_PUSHGATEWAY_URL: `http://127.0.0.1:${port}`,
          AIRLOCK_METRICS_INSTANCE: 'octo/repo',
          AIRLOCK_TELEMETRY_TIMEOUT_MS: '800',
        },
        runId: `run-${mode}`,
        log: (l) => lines.push(l),
      });
      recordFailures(t, 1);
      const started = performance.now();
      expect(await t.flush()).toEqual({ otlp: 'off', pushgateway: 'sent' });
      expect(performance.now() - started).toBeLessThan(3000);
      const warnings = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'telemetry.warning');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toMatch(/^expired groups not deleted from/);
    }
    const b64 = (v: string) => Buffer.from(v).toString('base64url');
    expect(requests).toEqual([
      `PUT /metrics/job@base64/${b64('airlock')}/instance@base64/${b64('octo/repo')}/run_id@base64/${b64('run-hang')}`,
      'GET /api/v1/metrics',
      `PUT /metrics/job@base64/${b64('airlock')}/instance@base64/${b64('octo/repo')}/run_id@base64/${b64('run-junk')}`,
      'GET /api/v1/metrics',
    ]);
  });
});
