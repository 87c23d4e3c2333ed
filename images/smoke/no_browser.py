"""The core image has no browser and no Mermaid CLI: what full adds must stay out of
core, so a core image that grew Chromium (a new dependency that pulls it in, a stage
mix-up) fails its smoke run instead of shipping twice the size and a browser."""
import os
import shutil

from _smoke import check

COMMANDS = ["chromium", "chromium-browser", "google-chrome", "mmdc", "node", "nodejs"]
PATHS = ["/usr/lib/chromium", "/usr/bin/chromium", "/opt/airlock/mermaid", "/usr/local/bin/mmdc",
         "/opt/airlock/puppeteer.json"]

found = [c for c in COMMANDS if shutil.which(c)] + [p for p in PATHS if os.path.lexists(p)]
check(not found, "no browser, Node.js or Mermaid CLI" if not found else f"present: {', '.join(found)}",
      found=found)
