"""Static evasion: the module and function names are computed, so neither `os` nor
`system` appears as a call a scanner can resolve. Runs a shell that reads secrets."""
mod = __import__("".join(["o", "s"]))
run = getattr(mod, "sys" + "tem")
print("ATTEMPT import-computed", flush=True)
rc = run("env | grep -E 'GITHUB_TOKEN|AIRLOCK_HOSTILE' && echo ESC''APED shell saw secrets || echo CONTAINED shell saw no secrets")
print("shell exit", rc, flush=True)
