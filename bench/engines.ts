/**
 * Added latency per trivial script on each engine (issue 17):
 *
 *   node --import tsx bench/engines.ts [--image REF] [--rounds 4] [--per 5] [--legs docker-runc,docker-runsc,podman-runc]
 *
 * One `print('hi')` through the real hardened run (`runHardened`: create the container,
 * exec the script, read the cgroup, remove) per sample, the same way the gate runs a
 * script. The legs take turns in rounds (a block of `per` runs each, the block's first
 * run not counted: it pays the engine switch), so a machine that slows down mid-bench
 * slows every leg alike. The baseline is the host's `python3 -c "print('hi')"` as a
 * process; the added latency is the median sandboxed run minus the baseline's median.
 * Prints a Markdown table (docs/hardening.md, "Engines").
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tryRunCommand } from '../src/exec/run-command.js';
import { prepareSandboxEngine } from '../src/sandbox/engine-limits-check.js';
import type { EngineKind } from '../src/sandbox/engine-select.js';
import { DEFAULT_PROFILES } from '../src/sandbox/profiles.js';
import { runHardened } from '../src/sandbox/run-hardened.js';
import type { SandboxRuntime } from '../src/sandbox/types.js';
import { summarize } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    image: { type: 'string', default: 'airlock-sandbox:local' },
    rounds: { type: 'string', default: '4' },
    per: { type: 'string', default: '5' },
    legs: { type: 'string', default: 'docker-runc,docker-runsc,podman-runc' },
  },
  strict: true,
});
const rounds = Number(values.rounds);
const per = Number(values.per);
const legs = (values.legs ?? '').split(',').map((l) => {
  const [engine, runtime] = l.split('-') as [EngineKind, SandboxRuntime];
  return { name: l, engine, runtime };
});

/** The system's python3, not a version manager's shim (pyenv's adds a shell start). */
const HOST_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

const dir = mkdtempSync(join(tmpdir(), 'airlock-bench-engines-'));
chmodSync(dir, 0o755);
writeFileSync(join(dir, 'hi.py'), "print('hi')\n", { mode: 0o644 });

async function oneRun(runtime: SandboxRuntime): Promise<number> {
  const t = performance.now();
  const r = await runHardened({
    sandbox: {
      image: values.image ?? '',
      runtime,
      user: '10001:10001',
      parallelism: 1,
      label: 'org.airlock.bench',
    },
    limits: DEFAULT_PROFILES.standard,
    profile: 'standard',
    workDir: dir,
    command: ['python3', 'hi.py'],
    label: 'bench/hi.py',
  });
  const ms = performance.now() - t;
  if (r.status !== 'success' || r.stdout !== 'hi\n')
    throw new Error(`run failed: ${r.status} ${r.reason ?? ''}`);
  return ms;
}

const host: number[] = [];
const samples = new Map<string, number[]>(legs.map((l) => [l.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const leg of legs) {
    await prepareSandboxEngine(leg.engine, leg.runtime);
    for (let i = 0; i < per; i++) {
      const ms = await oneRun(leg.runtime);
      if (i > 0) samples.get(leg.name)?.push(ms);
    }
  }
  for (let i = 0; i < per; i++) {
    const t = performance.now();
    await tryRunCommand(HOST_PYTHON, ['-c', "print('hi')"]);
    host.push(performance.now() - t);
  }
}
const base = summarize(host);
const row = (name: string, s: ReturnType<typeof summarize>, added: string) =>
  `| ${name} | ${s.median.toFixed(0)} | ${s.min.toFixed(0)}–${s.max.toFixed(0)} | ${added} | ${s.n} |`;
const out = [
  '| engine + runtime | median ms per script | min–max ms | added vs host python3 (ms) | runs |',
  '| --- | --- | --- | --- | --- |',
  row('host python3 (no sandbox)', base, '0'),
];
for (const leg of legs) {
  const s = summarize(samples.get(leg.name) ?? []);
  out.push(row(leg.name, s, (s.median - base.median).toFixed(0)));
}
process.stdout.write(`${out.join('\n')}\n`);
