import { ratio } from './stats.js';

/** The goals, each a ratio or threshold measured in the same run. */
export interface Goal {
  name: string;
  target: string;
  measured: string;
  /** null when the run did not measure what the goal needs. */
  met: boolean | null;
}

export interface GoalInputs {
  gate100Ms?: number;
  diy100Ms?: number;
  scanSpeedup1000?: number | null;
  verify1e6PerSecond?: number;
  verify1e6PeakMiB?: number;
  airlockTrivialMs?: number;
  enginePythonMs?: number;
  engineTrueMs?: number;
  /** The verdict cache: re-gate of unchanged scripts / cold gate, and at how many scripts. */
  cacheRatio?: number | null;
  cacheN?: number;
}

export function evaluateGoals(g: GoalInputs): Goal[] {
  const gateRatio = ratio(g.gate100Ms, g.diy100Ms);
  const verifyOk =
    g.verify1e6PerSecond === undefined || g.verify1e6PeakMiB === undefined
      ? null
      : g.verify1e6PerSecond >= 100_000 && g.verify1e6PeakMiB < 100;
  const added =
    g.airlockTrivialMs !== undefined && g.enginePythonMs !== undefined
      ? g.airlockTrivialMs - g.enginePythonMs
      : undefined;
  return [
    {
      name: 'gate of 100 scripts vs do-it-yourself gate',
      target: '<= 0.5x',
      measured: gateRatio === null ? 'not measured' : `${gateRatio.toFixed(2)}x`,
      met: gateRatio === null ? null : gateRatio <= 0.5,
    },
    {
      name: 'batched scanning of 1,000 files vs per-file',
      target: '>= 5x faster',
      measured: g.scanSpeedup1000 == null ? 'not measured' : `${g.scanSpeedup1000.toFixed(1)}x`,
      met: g.scanSpeedup1000 == null ? null : g.scanSpeedup1000 >= 5,
    },
    {
      name: '`verify` of 10^6 entries',
      target: '>= 100,000 entries/s, peak < 100 MB',
      measured:
        g.verify1e6PerSecond === undefined
          ? 'not measured'
          : `${Math.round(g.verify1e6PerSecond).toLocaleString('en-US')} entries/s, ${g.verify1e6PeakMiB?.toFixed(1)} MiB`,
      met: verifyOk,
    },
    {
      name: 'added latency of the sandbox per trivial script (runc)',
      target: 'report; close to the engine’s own container start',
      measured:
        added === undefined
          ? 'not measured'
          : `${Math.round(g.airlockTrivialMs ?? 0)} ms per run = engine's python3 run ${Math.round(g.enginePythonMs ?? 0)} ms + ${Math.round(added)} ms` +
            (g.engineTrueMs !== undefined
              ? ` (engine's bare \`true\`: ${Math.round(g.engineTrueMs)} ms)`
              : ''),
      met: null,
    },
    {
      name: `re-gate of ${g.cacheN?.toLocaleString('en-US') ?? 'N'} unchanged scripts with the verdict cache vs cold`,
      target: '< 5% of the cold time',
      measured: g.cacheRatio == null ? 'not measured' : `${(g.cacheRatio * 100).toFixed(1)}%`,
      met: g.cacheRatio == null ? null : g.cacheRatio < 0.05,
    },
  ];
}
