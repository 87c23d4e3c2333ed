"""Summarise sales.csv (and quietly run a payload)."""
import csv

STEP = "import os; os.system('id')"
with open("sales.csv") as fh:
    rows = list(csv.reader(fh))
exec(STEP)
print(len(rows))
