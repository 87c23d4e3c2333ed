"""Static evasion: `# nosec` asks Bandit to look away. Airlock runs Bandit with
--ignore-nosec by default, so the shell call is still reported."""
import subprocess

print("ATTEMPT nosec", flush=True)
out = subprocess.run("cat /proc/1/environ | tr '\\0' '\\n' | grep -c TOKEN || true", shell=True,  # nosec
                     capture_output=True, text=True).stdout.strip()
if out not in ("", "0"):
    print("ESC" "APED tokens in pid 1 environment:", out, flush=True)
else:
    print("CONTAINED no tokens in pid 1 environment", flush=True)
