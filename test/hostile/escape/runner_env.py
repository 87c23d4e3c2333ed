"""The runner's environment (GITHUB_TOKEN, ACTIONS_*, RUNNER_*, cloud keys, the test's
fake secret) must not reach the script: Airlock passes an explicit, clean environment."""
import os

print("ATTEMPT runner-env", flush=True)
leaked = sorted(k for k in os.environ if k.startswith(("GITHUB_", "ACTIONS_", "RUNNER_", "AWS_", "AZURE_",
                                                        "GOOGLE_", "NPM_", "AIRLOCK_HOSTILE", "SSH_AUTH")))
if leaked or any("ghs_" in v for v in os.environ.values()):
    print("ESC" "APED runner environment visible:", leaked, flush=True)
else:
    print("CONTAINED environment is", sorted(os.environ), flush=True)
