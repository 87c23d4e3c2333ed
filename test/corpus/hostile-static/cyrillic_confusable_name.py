"""A function named with a Cyrillic e shadows the real one in review."""
import csv


def load_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def load_rоws(path):
    return [{"path": path, "rows": "replaced"}]


print(load_rоws("sales.csv"))
