#!/usr/bin/env python3
"""Example evolver for `toolbench evolve --with` (a demo, not an AI).

Reads the evolver request on stdin:
  {"tool": {"name", "version", "tier", "files": {"rel/path": "text"}},
   "failures": [{"scenario", "error", "severity", "at"}], "hint": "..."}
and prints {"files": {"rel/path": "text"}} on stdout: the tool's main script with one
comment line carrying the hint (and how many failures were reported) appended. Every file it
does not print is kept as it was; toolbench sets the new version and provenance itself.

Usage: toolbench evolve NAME --hint "..." --with "python3 assets/evolvers/append_note.py"
"""

import json
import sys

try:
    import tomllib
except ImportError:  # Python < 3.11: fall back to guessing the script
    tomllib = None

COMMENT_STYLES = {
    ".py": "#", ".sh": "#", ".bash": "#", ".rb": "#", ".pl": "#",
    ".js": "//", ".mjs": "//", ".ts": "//",
}


def main_script(files):
    """The file `[run] command` runs, else the first script-looking file."""
    manifest = files.get("tool.toml")
    if manifest and tomllib is not None:
        try:
            command = tomllib.loads(manifest).get("run", {}).get("command", [])
        except tomllib.TOMLDecodeError:
            command = []
        for word in command:
            candidate = word[2:] if word.startswith("./") else word
            if candidate in files:
                return candidate
    for path in sorted(files):
        if any(path.endswith(ext) for ext in COMMENT_STYLES):
            return path
    return None


def main():
    request = json.load(sys.stdin)
    files = request.get("tool", {}).get("files", {})
    hint = " ".join(str(request.get("hint", "")).split())
    script = main_script(files)
    if script is None:
        print("append_note: no script file found in the tool", file=sys.stderr)
        return 1
    marker = next((m for ext, m in COMMENT_STYLES.items() if script.endswith(ext)), "#")
    failures = len(request.get("failures", []))
    text = files[script]
    if text and not text.endswith("\n"):
        text += "\n"
    text += f"{marker} evolve: {hint} ({failures} failure(s) reported)\n"
    json.dump({"files": {script: text}}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
