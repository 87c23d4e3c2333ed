import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * A real Prometheus and a real Pushgateway (Debian's binaries) on loopback, for one
 * test file: free ports, a temp data dir, and a Prometheus config generated from
 * ops/prometheus.yml with 1 s scrape and rule intervals so an alert shows up in
 * seconds. Spawned directly (not through runCommand) because they are long-running
 * servers we must keep and kill, not tools we wait for.
 */

export interface PrometheusStack {
  promUrl: string;
  pushgatewayUrl: string;
  /** Output of both servers, for a failing test's message. */
  logs: () => string;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: server exited with ${child.exitCode}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

/** ops/prometheus.yml with test intervals, only the Pushgateway job (at our port), and absolute rule paths. */
export async function testPrometheusConfig(pushgatewayPort: number): Promise<string> {
  const opsDir = resolve('ops');
  // biome-ignore lint/suspicious/noExplicitAny: YAML document edited in place
  const cfg: any = parse(await readFile(join(opsDir, 'prometheus.yml'), 'utf8'));
  cfg.global.scrape_interval = '1s';
  cfg.global.evaluation_interval = '1s';
  cfg.rule_files = (cfg.rule_files as string[]).map((f) => resolve(opsDir, f));
  const gw = (cfg.scrape_configs as { job_name: string; static_configs: { targets: string[] }[] }[]).find(
    (j) => j.job_name === 'pushgateway',
  );
  if (!gw) throw new Error('ops/prometheus.yml has no pushgateway job');
  gw.static_configs = [{ targets: [`127.0.0.1:${pushgatewayPort}`] }];
  cfg.scrape_configs = [gw];
  return stringify(cfg);
}

export async function startPrometheusStack(): Promise<PrometheusStack> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-prom-'));
  const children: ChildProcess[] = [];
  let output = '';
  const start = (cmd: string, args: string[]): ChildProcess => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    const keep = (c: Buffer) => {
      output = (output + c.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const c of children) {
      if (c.exitCode === null && c.signalCode === null) {
        const gone = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(timer);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const gwPort = await freePort();
    // Debian's build persists to /var/lib/prometheus/pushgateway.data by default: every
    // test gateway would load the groups of every earlier one. Each stack gets its own.
    const gw = start('prometheus-pushgateway', [
      `--web.listen-address=127.0.0.1:${gwPort}`,
      `--persistence.file=${join(dir, 'pushgateway.data')}`,
    ]);
    const pushgatewayUrl = `http://127.0.0.1:${gwPort}`;
    await waitReady(`${pushgatewayUrl}/-/ready`, gw, 30_000);

    const promPort = await freePort();
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, await testPrometheusConfig(gwPort));
    const prom = start('prometheus', [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    const promUrl = `http://127.0.0.1:${promPort}`;
    await waitReady(`${promUrl}/-/ready`, prom, 60_000);
    return { promUrl, pushgatewayUrl, logs: () => output, stop };
  } catch (e) {
    await stop();
    throw new Error(`starting Prometheus/Pushgateway failed: ${String(e)}\n${output.slice(-3000)}`);
  }
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export async function fetchAlerts(promUrl: string): Promise<PromAlert[]> {
  const res = await fetch(`${promUrl}/api/v1/alerts`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { status: string; data: { alerts: PromAlert[] } };
  if (body.status !== 'success') throw new Error(`alerts API: ${JSON.stringify(body)}`);
  return body.data.alerts;
}

/** Instant query; returns the vector's samples. */
export async function query(
  promUrl: string,
  expr: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/**
 * Waits until Prometheus has scraped `runs` gate runs (groups with a report time) of
 * `instance`: before that, an alert that is silent proves nothing.
 */
export async function waitForScrapedRuns(
  promUrl: string,
  instance: string,
  runs: number,
  timeoutMs = 60_000,
): Promise<void> {
  const expr = `count(sandbox_report_timestamp_seconds{instance="${instance}"})`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await query(promUrl, expr);
    if (r.length === 1 && Number(r[0]!.value[1]) === runs) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`Prometheus did not scrape ${expr} == ${runs} within ${timeoutMs} ms`);
}

/** The groups the Pushgateway holds for `instance`, as its JSON API lists them. */
export async function gatewayGroups(
  pushgatewayUrl: string,
  instance: string,
): Promise<Record<string, string>[]> {
  const res = await fetch(`${pushgatewayUrl}/api/v1/metrics`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { data: { labels: Record<string, string> }[] };
  return body.data.map((g) => g.labels).filter((l) => l.instance === instance);
}
