import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The generated scripts the benchmark gates: small analysis scripts of the kind an
 * LLM writes, in a fixed mix so every N has the same shape of work:
 * - half `pure`: standard-library statistics, a JSON summary (interpreter start-up
 *   dominates, so this is where per-script overhead shows most);
 * - a quarter `pandas`: a DataFrame, a group-by, a CSV;
 * - a quarter `plot`: a matplotlib figure saved as PNG (the heaviest import).
 * Every script writes its artifact to $AIRLOCK_OUTPUT_DIR, like real ones, and none
 * has a Bandit finding, so all are assessed `low` and all run.
 */
export type ScriptKind = 'pure' | 'pandas' | 'plot';

export function kindOf(index: number): ScriptKind {
  const r = index % 4;
  return r === 2 ? 'pandas' : r === 3 ? 'plot' : 'pure';
}

export function scriptName(index: number): string {
  return `gen_${String(index).padStart(4, '0')}_${kindOf(index)}.py`;
}

const HEADER = (i: number, what: string) => `"""Generated analysis #${i}: ${what}."""
import os

OUT = os.environ.get("AIRLOCK_OUTPUT_DIR", ".")
`;

export function scriptSource(index: number): string {
  const seed = (index * 7919) % 1009;
  switch (kindOf(index)) {
    case 'pure':
      return `${HEADER(index, 'summary statistics of a synthetic series')}import json
import statistics

values = [((k * ${seed + 7}) % 97) / 7.0 for k in range(2000)]
summary = {
    "n": len(values),
    "mean": statistics.mean(values),
    "median": statistics.median(values),
    "stdev": statistics.pstdev(values),
}
with open(os.path.join(OUT, "summary.json"), "w", encoding="utf-8") as fh:
    json.dump(summary, fh, indent=2)
print(f"mean={summary['mean']:.3f} stdev={summary['stdev']:.3f}")
`;
    case 'pandas':
      return `${HEADER(index, 'revenue per region with pandas')}import pandas as pd

rows = [
    {"region": ["north", "south", "east", "west"][k % 4], "units": (k * ${seed + 3}) % 50, "price": 1.5 + (k % 7)}
    for k in range(500)
]
df = pd.DataFrame(rows)
df["revenue"] = df["units"] * df["price"]
by_region = df.groupby("region", as_index=False)["revenue"].sum().sort_values("revenue")
by_region.to_csv(os.path.join(OUT, "revenue_by_region.csv"), index=False)
print(by_region.to_string(index=False))
`;
    case 'plot':
      return `${HEADER(index, 'a line plot with matplotlib')}import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

xs = list(range(100))
ys = [((x * ${seed + 5}) % 37) / 3.0 for x in xs]
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(xs, ys, label="series")
ax.set_xlabel("step")
ax.set_ylabel("value")
ax.legend()
fig.savefig(os.path.join(OUT, "plot.png"), dpi=80)
print("saved plot.png")
`;
  }
}

/** Writes scripts 0..n-1 into `dir/scripts/`; returns their workspace-relative paths. */
export async function writeCorpus(dir: string, n: number): Promise<string[]> {
  const sub = join(dir, 'scripts');
  await mkdir(sub, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    await writeFile(join(sub, scriptName(i)), scriptSource(i));
    paths.push(`scripts/${scriptName(i)}`);
  }
  return paths;
}
