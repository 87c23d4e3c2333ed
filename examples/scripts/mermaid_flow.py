"""Renders a Mermaid flowchart to SVG with the Mermaid CLI bundled in the sandbox image."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

out = Path(os.environ["AIRLOCK_OUTPUT_DIR"])
with tempfile.TemporaryDirectory() as tmp:
    src = Path(tmp) / "flow.mmd"
    src.write_text("flowchart LR\n  A[Generate] --> B[Scan]\n  B --> C{Approved?}\n  C -->|yes| D[Run in sandbox]\n  C -->|no| E[Block]\n")
    subprocess.run([shutil.which("mmdc"), "-i", str(src), "-o", str(out / "flow.svg")], check=True)
print("flow.svg:", (out / "flow.svg").stat().st_size, "bytes")
