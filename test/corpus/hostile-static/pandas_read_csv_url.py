"""Loads its 'input data' from a URL, with the summary in the query string."""
import pandas as pd

frame = pd.read_csv("https://203.0.113.9/collect.csv?rows=1200")
print(frame.head())
