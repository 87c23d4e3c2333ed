"""Bootstrap the mean stress score per team on a small process pool (each worker gets its own seed)."""
import json
import multiprocessing
import os
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])


def bootstrap(args):
    team, values, seed = args
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(2000, len(values)), replace=True).mean(axis=1)
    return team, float(values.mean()), np.percentile(means, [2.5, 97.5]).round(3).tolist()


if __name__ == "__main__":
    survey = pd.read_csv(HERE / "survey.csv")
    jobs = [(team, grp["stress_score"].to_numpy(), i) for i, (team, grp) in enumerate(survey.groupby("team"))]
    with multiprocessing.Pool(processes=2) as pool:
        results = pool.map(bootstrap, jobs)
    table = {team: {"mean": round(mean, 3), "ci95": ci} for team, mean, ci in results}
    (OUT / "stress_bootstrap.json").write_text(json.dumps(table, indent=2))
    print(json.dumps(table, indent=2))
