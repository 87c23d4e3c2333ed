import os

from _smoke import check

uid, gid, groups = os.getuid(), os.getgid(), os.getgroups()
euid = os.geteuid()
check(0 not in (uid, euid, gid) and 0 not in groups, f"uid={uid} euid={euid} gid={gid} groups={groups}")
