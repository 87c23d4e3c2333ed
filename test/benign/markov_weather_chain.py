"""Dry/wet day Markov chain from station precipitation; stationary distribution via eigenvectors."""
import json
import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
STATES = ["dry", "wet"]

stations = json.loads((HERE / "weather_stations.json").read_text())["stations"]
counts = np.zeros((2, 2))
for st in stations:
    seq = [1 if o["precip_mm"] > 0.2 else 0 for o in st["observations"]]
    for a, b in zip(seq, seq[1:]):
        counts[a, b] += 1

P = (counts + 1) / (counts + 1).sum(axis=1, keepdims=True)  # Laplace smoothing
eigvals, eigvecs = np.linalg.eig(P.T)
π = np.real(eigvecs[:, np.argmin(np.abs(eigvals - 1))])
π = π / π.sum()

result = {"transition_matrix": P.round(4).tolist(), "stationary": dict(zip(STATES, π.round(4).tolist())), "observations": int(counts.sum())}
(OUT / "markov_chain.json").write_text(json.dumps(result, indent=2))
print(result)
