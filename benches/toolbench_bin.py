"""Where `cargo build` puts the toolbench program, as support/toolbench_bin.sh says."""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))


def toolbench_bin(profile="release"):
    script = os.path.join(HERE, "support", "toolbench_bin.sh")
    return subprocess.run(["sh", script, profile], capture_output=True, text=True, check=True).stdout.strip()
