"""Body of the hostile-name cases that must be blocked: an exec() Bandit reports (B102).
If the odd name made the scanner skip or misattribute the file, it would pass as clean."""
exec("print('RAN unreviewed code')")
