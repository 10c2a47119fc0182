#!/usr/bin/env sh
# Prints the path of the toolbench program that `cargo build` (PROFILE debug) or
# `cargo build --release` (PROFILE release, the default) makes: .cargo/config.toml builds for
# this machine's target tuple by name, so programs land in target/<host tuple>/<profile>/.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
host=$(rustc -vV | sed -n 's/^host: //p')
echo "${CARGO_TARGET_DIR:-$root/target}/$host/${1:-release}/toolbench"
