"""Trojan source (CVE-2021-42574): a bidirectional override makes the code look like a
comment to a reviewer. The access check below is not what it looks like."""
access_level = "user"
if access_level != "none‮ ⁦# Check if admin⁩ ⁦":
    print("ATTEMPT trojan-source ran hidden branch", flush=True)
    print("CONTAINED nothing to reach from here", flush=True)
