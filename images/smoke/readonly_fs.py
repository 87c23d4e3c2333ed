"""Only the output dir and the scratch tmpfs are writable; everything else refuses."""
import errno
import os

from _smoke import OUT, check


def try_write(path):
    try:
        with open(path, "a") as f:
            f.write("x")
        os.remove(path)
        return "writable"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


must_fail = ["/airlock-probe", "/etc/airlock-probe", "/usr/airlock-probe", "/opt/airlock-probe",
             "/work/airlock-probe", "/var/airlock-probe", "/home/airlock-probe"]
must_work = ["/tmp/airlock-probe", os.path.join(OUT, "airlock-probe")]
got = {p: try_write(p) for p in must_fail + must_work}
bad = [p for p in must_fail if got[p] == "writable"] + [p for p in must_work if got[p] != "writable"]
check(not bad, f"refused: {', '.join(sorted(set(got[p] for p in must_fail)))}; writable: /tmp, $AIRLOCK_OUTPUT_DIR"
      if not bad else f"unexpected: {[(p, got[p]) for p in bad]}", results=got)
