"""Estimate pi by Monte Carlo sampling and show how the error shrinks with sample size."""
import json
import math
import os
import random
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
random.seed(2024)

sizes = [10**k for k in range(1, 6)]
estimates = []
inside = 0
drawn = 0
for size in sizes:
    while drawn < size:
        x, y = random.random(), random.random()
        inside += x * x + y * y <= 1.0
        drawn += 1
    estimates.append(4.0 * inside / drawn)

errors = [abs(e - math.pi) for e in estimates]
assert len(estimates) == len(sizes), "one estimate per sample size"
assert all(0.0 < e < 4.0 for e in estimates), "estimates must lie in (0, 4)"

plt.figure(figsize=(6, 4))
plt.loglog(sizes, errors, marker="o", label="|estimate - pi|")
plt.loglog(sizes, [1 / math.sqrt(n) for n in sizes], linestyle="--", label="1/sqrt(n)")
plt.xlabel("samples")
plt.ylabel("absolute error")
plt.legend()
plt.tight_layout()
plt.savefig(OUT / "monte_carlo_error.png", dpi=120)

(OUT / "pi_estimates.json").write_text(json.dumps(dict(zip(map(str, sizes), estimates)), indent=2))
print(f"pi ~ {estimates[-1]:.5f} after {sizes[-1]} samples")
