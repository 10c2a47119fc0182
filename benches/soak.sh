#!/usr/bin/env bash
# The soak of issue 63 at full length (five minutes unless --seconds says otherwise): runs,
# calls, decisions and faults on the release binary, then every property checked
# (benches/soak.py says which). Figures for BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q
python3 benches/soak.py "$(sh benches/support/toolbench_bin.sh release)" "$@"
