import type { AuditBenchResult } from '../sections/audit.js';
import type { CacheBench } from '../sections/cache.js';
import type { ColdStart } from '../sections/cold-start.js';
import type { EgressBench } from '../sections/egress.js';
import type { MergeBench } from '../sections/merge.js';
import type { GateAtN, Measured } from '../sections/gate.js';
import type { SandboxFixedCost } from '../sections/sandbox.js';
import type { ScanBench, ScanWay } from '../sections/scan.js';
import type { Goal } from './goals.js';
import { formatMs, formatRatio, ratio } from './stats.js';

export interface Machine {
  cpus: number;
  memGiB: number;
  node: string;
  docker: string;
  commit: string;
  /** 1-minute load average at the start and end: a busy machine inflates every figure. */
  loadStart: number;
  loadEnd: number;
}

export interface BenchResult {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  command: string;
  quick: boolean;
  machine: Machine;
  image: { ref: string; id: string };
  gate: GateAtN[];
  scan?: ScanBench;
  sandbox: SandboxFixedCost[];
  audit: AuditBenchResult[];
  coldStart?: ColdStart;
  egress?: EgressBench;
  merge?: MergeBench;
  /** The verdict cache's re-gate vs the cold gate (bench/sections/cache.ts). */
  cache?: CacheBench;
  goals: Goal[];
  errors: string[];
}

const measured = (m: Measured) =>
  `${formatMs(m.summary.median)}${m.sampled ? ` (est. from ${m.sampled})` : ''}`;
const reps = (m: Measured) => (m.sampled ? `sample ${m.sampled}` : `${m.summary.n}`);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;

/** The Markdown report: the tables docs/performance.md shows, with the figures of one run. */
export function renderMarkdown(r: BenchResult): string {
  const out: string[] = [];
  out.push(`# Airlock benchmark, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`, '');
  out.push(
    `\`${r.command}\` on ${r.machine.cpus} CPUs, ${r.machine.memGiB} GiB, Node ${r.machine.node}, Docker ${r.machine.docker}, ` +
      `commit ${r.machine.commit}, image \`${r.image.ref}\` (${r.image.id.slice(7, 19)}); ` +
      `took ${Math.round(r.durationSeconds)} s; 1-min load average ${r.machine.loadStart.toFixed(1)} at start, ${r.machine.loadEnd.toFixed(1)} at end.` +
      (r.quick ? ' **Quick mode: smaller N and fewer repetitions; not the reference figures.**' : ''),
    '',
  );
  out.push('## Goals', '', row(['goal', 'target', 'measured', 'met']), row(['---', '---', '---', '---']));
  for (const g of r.goals)
    out.push(row([g.name, g.target, g.measured, g.met === null ? '—' : g.met ? 'yes' : '**no**']));
  out.push('');
  if (r.gate.length) {
    out.push('## Gate vs baselines (wall time, medians)', '');
    out.push(
      row([
        'N',
        'Airlock gate',
        'reps',
        'host `python3` one by one',
        'DIY gate (Bandit + Semgrep + `docker run` per script)',
        'gate / host',
        'gate / DIY',
      ]),
      row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const g of r.gate) {
      out.push(
        row([
          g.n,
          formatMs(g.gate.summary.median),
          g.gate.summary.n,
          `${measured(g.hostPython)} [${reps(g.hostPython)}]`,
          `${measured(g.diy)} [${reps(g.diy)}]`,
          formatRatio(ratio(g.gate.summary.median, g.hostPython.summary.median)),
          formatRatio(ratio(g.gate.summary.median, g.diy.summary.median)),
        ]),
      );
    }
    out.push('', '### Gate stage by stage (medians)', '');
    out.push(
      row(['N', 'discover', 'scan', 'assess', 'execute', 'record', 'other¹', 'per script']),
      row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const g of r.gate) {
      const s = g.stages;
      out.push(
        row([
          g.n,
          formatMs(s.discoverMs),
          formatMs(s.scanMs),
          formatMs(s.assessMs),
          formatMs(s.executeMs),
          formatMs(s.recordMs),
          formatMs(s.other),
          formatMs(g.gate.summary.median / g.n),
        ]),
      );
    }
    out.push(
      '',
      '¹ other = wall time outside the five stage clocks: Docker check, orphan sweep, image check, staging, the per-script `scan`/`decision` audit entries, SARIF/report writing.',
      '',
      '### Execute stage: scripts vs the container around them (last repetition)',
      '',
    );
    out.push(
      row([
        'N',
        'parallelism',
        'slot time (execute x parallelism)',
        'inside the scripts (`docker exec`)',
        'container lifecycle + recording',
        'lifecycle per script',
      ]),
    );
    out.push(row(['---:', '---:', '---:', '---:', '---:', '---:']));
    for (const g of r.gate) {
      const e = g.executeSplit;
      out.push(
        row([
          g.n,
          e.parallelism,
          formatMs(e.slotMs),
          formatMs(e.scriptMsSum),
          formatMs(e.slotMs - e.scriptMsSum),
          formatMs((e.slotMs - e.scriptMsSum) / g.n),
        ]),
      );
    }
    out.push('');
    out.push(
      '## Gate CPU time (machine-wide, last repetition)',
      '',
      row([
        'N',
        'wall',
        'CPU busy, all processes',
        "of which the gate's Node process",
        'CPU per script',
        'cores busy',
      ]),
      row(['---:', '---:', '---:', '---:', '---:', '---:']),
    );
    for (const g of r.gate) {
      const c = g.cpu;
      if (!c) continue;
      out.push(
        row([
          g.n,
          formatMs(c.busyMs / c.utilisation / r.machine.cpus),
          formatMs(c.busyMs),
          formatMs(c.selfMs),
          formatMs(c.busyMs / g.n),
          `${Math.round(c.utilisation * 100)} %`,
        ]),
      );
    }
    out.push('');
  }
  if (r.scan) {
    const s = r.scan;
    const way = (name: string, w: ScanWay) =>
      row([
        name,
        `${formatMs(w.batched.median)} [${w.batched.n}]`,
        `${formatMs(w.perFileMs)} (est. from ${w.perFileSample})`,
        formatRatio(w.speedup),
      ]);
    out.push(
      `## Scanning alone, ${s.files} files`,
      '',
      row(['scanner', 'one batched run [reps]', 'one run per file', 'speed-up']),
      row(['---', '---:', '---:', '---:']),
    );
    for (const w of s.inSandbox)
      out.push(way(`${w.title} ${w.version ?? ''} in the sandbox (as Airlock runs it)`, w));
    out.push(
      row([
        `**all scanners** (${s.inSandbox.map((w) => w.title).join(' + ')}, as the scan stage runs them)`,
        formatMs(s.allScanners.batchedMs),
        `${formatMs(s.allScanners.perFileMs)} (est.)`,
        formatRatio(s.allScanners.speedup),
      ]),
      way('Bandit on the host (no container)', s.banditOnHost),
    );
    for (const f of s.flakes ?? []) out.push('', `- ${f}`);
    out.push('');
  }
  if (r.sandbox.length) {
    out.push('## Sandbox fixed cost: one empty script (medians)', '');
    out.push(
      row([
        'runtime',
        '`docker version` round trip',
        'engine: `run --rm true`',
        'engine: `run --rm python3 -c ""`',
        'DIY hardened `run --rm`',
        'Airlock `runHardened`',
        'Airlock − engine python',
      ]),
    );
    out.push(row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const x of r.sandbox) {
      out.push(
        row([
          x.runtime,
          formatMs(x.dockerCliRoundTrip.median),
          formatMs(x.engineTrue.median),
          formatMs(x.enginePython.median),
          formatMs(x.diyHardened.median),
          formatMs(x.airlock.median),
          formatMs(x.airlock.median - x.enginePython.median),
        ]),
      );
    }
    out.push('', '### Where a hardened run spends its time (phases, medians)', '');
    // Runtimes differ in phases (runsc has a copy-out exec of its own): the union, in order.
    const phases = [...new Set(r.sandbox.flatMap((x) => Object.keys(x.phases)))].sort();
    out.push(
      row(['phase', ...r.sandbox.map((x) => x.runtime)]),
      row(['---', ...r.sandbox.map(() => '---:')]),
    );
    for (const p of phases) out.push(row([p, ...r.sandbox.map((x) => formatMs(x.phases[p]?.median))]));
    out.push('');
  }
  if (r.egress) {
    const e = r.egress;
    out.push(
      '## Egress proxy',
      '',
      `One request to a server in its own network namespace, direct vs through the proxy, each on a fresh connection (median of ${e.requests}).`,
      '',
      row(['request', 'direct', 'through the proxy', 'added', 'ratio']),
      row(['---', '---:', '---:', '---:', '---:']),
    );
    for (const [name, m] of [
      ['plain HTTP GET', e.http],
      ['HTTPS GET (CONNECT + SNI check)', e.https],
      ...(e.pip ? ([[`pip install of one wheel (HTTPS, median of ${e.pip.reps})`, e.pip]] as const) : []),
    ] as const) {
      out.push(
        row([
          name,
          formatMs(m.direct.median),
          formatMs(m.proxied.median),
          formatMs(m.proxied.median - m.direct.median),
          formatRatio(ratio(m.proxied.median, m.direct.median)),
        ]),
      );
    }
    out.push('');
  }
  if (r.merge) {
    const m = r.merge;
    out.push(
      `## Merging shards (airlock merge), ${m.scripts} scripts in ${m.shards} shards`,
      '',
      `Shard outputs with signed segments, merged with the audit record (median of ${m.reps}); the baseline only reads and parses the same reports and SARIF files.`,
      '',
      row(['step', 'time', 'per 1,000 scripts', 'ratio to reading']),
      row(['---', '---:', '---:', '---:']),
      row([
        'read + parse reports and SARIF',
        formatMs(m.read.median),
        formatMs((m.read.median * 1000) / m.scripts),
        formatRatio(1),
      ]),
      row([
        'merge (verify, check, write, record)',
        formatMs(m.merge.median),
        formatMs(m.mergePer1000Ms),
        formatRatio(ratio(m.merge.median, m.read.median)),
      ]),
      '',
    );
  }
  if (r.cache) {
    const c = r.cache;
    const stage = (t: CacheBench['coldStages']) =>
      `scan ${formatMs(t.scanMs)}, execute ${formatMs(t.executeMs)}, record ${formatMs(t.recordMs)}`;
    out.push(
      '## Verdict cache: re-gate of unchanged scripts',
      '',
      `${c.n} generated scripts on one signed audit log: the cold gate (every script scanned and run), then the same scripts unchanged with \`execute.scripts: changed\` (${c.reused} scans reused, ${c.executedCached} run).`,
      '',
      row(['gate', 'wall', 'stages', 'vs cold']),
      row(['---', '---:', '---', '---:']),
      row(['cold', formatMs(c.coldMs), stage(c.coldStages), '1x']),
      row(['cached', formatMs(c.cachedMs), stage(c.cachedStages), formatRatio(c.ratio)]),
      '',
      `Scan stage alone, cached vs cold: ${formatRatio(c.scanRatio)}. The cached gate's remaining time is mostly outside the stages: verifying the log twice (the writer's open and the cache's index) and appending two fsynced entries per script (\`scan.reused\`, \`decision\`).`,
      '',
    );
  }
  if (r.audit.length) {
    out.push(
      '## Audit log',
      '',
      row([
        'entries',
        'log size',
        'append entries/s (no fsync)',
        'append entries/s (fsync each)',
        'append peak RSS',
        'verify entries/s',
        'verify peak RSS (idle node+tsx)',
      ]),
    );
    out.push(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const a of r.audit) {
      out.push(
        row([
          a.entries.toLocaleString('en-US'),
          `${a.logMiB} MiB`,
          a.append.entriesPerSecond.toLocaleString('en-US'),
          a.appendWithFsyncEachEntry.entriesPerSecond.toLocaleString('en-US'),
          `${a.append.peakRssMiB} MiB`,
          a.verify.entriesPerSecond.toLocaleString('en-US'),
          `${a.verify.peakRssMiB} MiB (${a.verify.idleNodeTsxRssMiB} MiB)`,
        ]),
      );
    }
    out.push('');
  }
  if (r.coldStart) {
    const c = r.coldStart;
    out.push(
      '## Action cold start',
      '',
      row([
        'dist/action/index.js',
        'dist/ total',
        '`node -e 0`',
        '`node dist/index.js` (load, refuse, exit)',
        'load cost',
      ]),
      row(['---:', '---:', '---:', '---:', '---:']),
      row([
        `${(c.actionBundleBytes / 1024 / 1024).toFixed(2)} MiB`,
        `${(c.distBytes / 1024 / 1024).toFixed(2)} MiB`,
        formatMs(c.nodeBare.median),
        formatMs(c.actionLoadAndExit.median),
        formatMs(c.loadCostMs),
      ]),
      '',
    );
  }
  const failedReps = r.gate.flatMap((g) => g.failedReps ?? []);
  if (failedReps.length) {
    out.push('## Gate repetitions left out of the medians', '');
    for (const f of failedReps) out.push(`- ${f}`);
    out.push('');
  }
  if (r.errors.length) {
    out.push('## Errors (these sections did not complete)', '');
    for (const e of r.errors) out.push(`- ${e}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
