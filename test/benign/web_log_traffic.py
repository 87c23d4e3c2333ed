"""Parse a combined-format access log: hits per hour, status mix, top paths, error rate."""
import csv
import os
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

LOG = Path(__file__).resolve().parent / "web_access.log"
OUT = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
LINE = re.compile(r'(?P<ip>\S+) \S+ \S+ \[(?P<ts>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) (?P<size>\d+)')

per_hour = Counter()
statuses = Counter()
paths = Counter()
bytes_by_path = defaultdict(int)
bad_lines = 0

with LOG.open(encoding="utf-8") as fh:
    for line in fh:
        m = LINE.match(line)
        if not m:
            bad_lines += 1
            continue
        ts = datetime.strptime(m["ts"], "%d/%b/%Y:%H:%M:%S %z")
        per_hour[ts.strftime("%Y-%m-%d %H:00")] += 1
        statuses[m["status"]] += 1
        paths[m["path"]] += 1
        bytes_by_path[m["path"]] += int(m["size"])

total = sum(statuses.values())
errors = sum(n for s, n in statuses.items() if s.startswith("5"))
with (OUT / "hits_per_hour.csv").open("w", newline="") as fh:
    writer = csv.writer(fh)
    writer.writerow(["hour", "hits"])
    writer.writerows(sorted(per_hour.items()))

print(f"{total} requests, {bad_lines} unparsed lines, 5xx rate {errors / total:.2%}")
for path, hits in paths.most_common(5):
    print(f"{path:<18}{hits:>5}{bytes_by_path[path] / hits:>10.0f} B avg")
