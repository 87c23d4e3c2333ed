"""Load orders.csv into an in-memory SQLite database and answer a few questions in SQL."""
import csv
import os
import sqlite3
from pathlib import Path

here = Path(__file__).resolve().parent
out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])

con = sqlite3.connect(":memory:")
con.execute("CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer TEXT, category TEXT, amount REAL, status TEXT)")
with open(here / "orders.csv", newline="") as fh:
    rows = [(int(r["order_id"]), r["customer"], r["category"], float(r["amount"]), r["status"]) for r in csv.DictReader(fh)]
con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", rows)

QUERIES = {
    "top_customers": """
        SELECT customer, COUNT(*) AS orders, ROUND(SUM(amount), 2) AS spent
        FROM orders WHERE status = 'paid'
        GROUP BY customer ORDER BY spent DESC LIMIT 5""",
    "category_average": """
        SELECT category, ROUND(AVG(amount), 2) AS avg_amount, COUNT(*) AS n
        FROM orders GROUP BY category ORDER BY avg_amount DESC""",
    "large_orders": """
        SELECT order_id, customer, amount FROM orders
        WHERE amount > (SELECT AVG(amount) * 1.5 FROM orders) ORDER BY amount DESC""",
}

for name, sql in QUERIES.items():
    cur = con.execute(sql)
    header = [d[0] for d in cur.description]
    result = cur.fetchall()
    with open(out / f"{name}.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(result)
    print(f"{name}: {len(result)} rows")
con.close()
