#!/usr/bin/env bash
# Signs the sample workspace (tools/) as a team's reviewer would: a throwaway key
# (`sample-reviewer@toolbench.example`, made here and deleted at the end, never committed)
# is listed in tools/.reviews/allowed_signers, and each active tool is validated and approved
# where it is in a copy of tools/, which signs its review through toolbench's own decision
# path. The statements and signatures are copied back into tools/.reviews/. Run it again after
# changing an active sample tool; it replaces every statement and the key.
#
#   bash benches/sign_sample.sh [TOOLBENCH_BIN]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-$(sh benches/support/toolbench_bin.sh debug)}
[ -x "$bin" ] || { echo "sign_sample.sh: no toolbench at $bin (cargo build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
home=$work/home
mkdir -p "$home/.config/toolbench"
ssh-keygen -q -t ed25519 -N '' -C sample-reviewer -f "$work/sample_key"
cat >"$home/.config/toolbench/config.toml" <<TOML
reviewer = "sample-reviewer"
[review]
signatures = "require"
signing_key = "$work/sample_key"
TOML
cp -r tools "$work/ws"
rm -rf "$work/ws/.toolbench" "$work/ws/.reviews"
tb() {
  env -u SSH_AUTH_SOCK -u TOOLBENCH_ROOT HOME="$home" TOOLBENCH_CONFIG_DIR="$home/.config/toolbench" \
    XDG_DATA_HOME="$home/.local/share" "$bin" --root "$work/ws" "$@" </dev/null
}
tb signers add sample-reviewer@toolbench.example "$work/sample_key.pub" >/dev/null
# Every active tool as `verify --json` lists it (none signed yet, so it exits 1): NAME HASH.
tb verify --json | python3 -c '
import json, sys
for row in json.load(sys.stdin):
    print(row["name"], row["content_hash"])
' >"$work/active" || true
while read -r name hash; do
  tb validate "$name" >/dev/null || true
  tb approve "$name" --hash "$hash" --accept-failures --accept-escalation \
    --reason "sample workspace, signed by benches/sign_sample.sh" >/dev/null
done <"$work/active"
tb verify >/dev/null
rm -rf tools/.reviews
cp -r "$work/ws/.reviews" tools/.reviews
echo "signed $(wc -l <"$work/active") active sample tools into tools/.reviews"
