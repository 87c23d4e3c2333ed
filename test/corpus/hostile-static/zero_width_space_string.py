"""A role name that looks like 'admin' but carries a zero-width space: the check is never true."""
role = "viewer"
if role != "admin​":
    print("access granted: exporting every table")
