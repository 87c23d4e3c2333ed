"""Convert the weather observations to imperial units; small typed pipeline with logging."""
from __future__ import annotations

import argparse
import csv
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger("units")


@dataclass(frozen=True)
class Observation:
    station: str
    hour: int
    temp_f: float
    wind_mph: float
    precip_in: float

    @classmethod
    def from_metric(cls, station: str, o: dict) -> Observation:
        return cls(station, o["hour"], round(o["temp_c"] * 9 / 5 + 32, 1), round(o["wind_ms"] * 2.23694, 1), round(o["precip_mm"] / 25.4, 3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--input", default=str(Path(__file__).resolve().parent / "weather_stations.json"))
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")

    payload = json.loads(Path(args.input).read_text(encoding="utf-8"))
    rows = [Observation.from_metric(st["name"], o) for st in payload["stations"] for o in st["observations"]]
    log.info("converted %d observations from %d stations", len(rows), len(payload["stations"]))

    out = Path(os.environ["AIRLOCK_OUTPUT_DIR"]) / "observations_imperial.csv"
    with out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(asdict(rows[0])))
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)
    log.info("wrote %s", out.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main([]))
