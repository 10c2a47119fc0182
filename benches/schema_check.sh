#!/usr/bin/env bash
# What a tool's input check costs with the JSON Schema validator optimised (opt-level 3) and
# as the release profile builds it (opt-level 0, Cargo.toml): the check `toolbench run` and
# an MCP call make before a tool starts (compile the schema, validate one input), in a small
# program of its own built both ways, with the jsonschema version of Cargo.lock.
#
#     bash benches/schema_check.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(awk '/^name = "jsonschema"$/ { getline; gsub(/"/, "", $3); print $3 }' "$here/../Cargo.lock")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cp "$here/schema_check/check.rs" "$work/src/main.rs"
cp "$here/../Cargo.lock" "$work/Cargo.lock"
for level in 3 0; do
  cat > "$work/Cargo.toml" <<TOML
[package]
name = "schema_check"
version = "0.1.0"
edition = "2024"
[dependencies]
jsonschema = { version = "=$version", default-features = false }
serde_json = "1"
[profile.release]
codegen-units = 4
[profile.release.package.jsonschema]
opt-level = $level
TOML
  (cd "$work" && cargo build --release --quiet)
  echo "jsonschema $version at opt-level $level:"
  "$work/target/release/schema_check"
done
