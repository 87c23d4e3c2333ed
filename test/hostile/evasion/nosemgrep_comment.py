"""Static evasion: `# nosemgrep` asks Semgrep to look away. Airlock's policy ignores
it (ignoreNosec), and Bandit, which does not read it, still sees the eval."""
import os

print("ATTEMPT nosemgrep", flush=True)
secret = eval("os.environ.get('AIRLOCK_HOSTILE_SECRET', '')")  # nosemgrep
if secret:
    print("ESC" "APED read the runner's secret", flush=True)
else:
    print("CONTAINED no runner secret in the sandbox", flush=True)
