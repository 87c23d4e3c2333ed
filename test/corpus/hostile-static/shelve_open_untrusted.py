"""shelve is pickle underneath."""
import shelve

db = shelve.open("cache.db")
print(db["key"])
