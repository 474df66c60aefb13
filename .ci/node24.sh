# Node 24 for a machine whose `node` is older: `source .ci/node24.sh`.
#
# The project needs Node 24 (package.json engines). Where the installed Node is
# older, this fetches Node 24 from the npm registry, where it is published as
# the package node-linux-<arch> (binary and headers), unpacks it once into
# .cache/ (git-ignored; later runs use that copy without any network), puts its
# bin/ first on PATH and points npm_config_nodedir at it, so a native module
# that compiles is built against Node 24's headers instead of node-gyp
# downloading them from nodejs.org (none compiles today: better-sqlite3 13
# ships its binaries). npm stays the machine's own: it runs on whichever `node`
# comes first on PATH. A Node 24 or newer is left alone.
#
# Sourced (bash, zsh, or `. .ci/node24.sh` from the project folder in sh), it
# changes only PATH and npm_config_nodedir in the caller's shell,
# works under `set -euo pipefail`, and on failure says why and returns 1 (a
# `set -e` caller then stops).

# Executed, it cannot change the caller's PATH (dash even allows the `return`,
# hence the name check; zsh names the sourced file in $0).
if ! (return 0 2>/dev/null) || { [ -z "${ZSH_VERSION:-}" ] && [ "${0##*/}" = node24.sh ]; }; then
  echo "node24: source this file (\`source .ci/node24.sh\`); run as a script it cannot change your shell's PATH" >&2
  exit 1
fi

node24_setup() {
  # The exact release, so CI and every developer build against the same headers.
  local version=24.22.3 root=$1 arch dir tmp current
  current=$(node --version 2>/dev/null || echo none)
  case "$current" in
    v2[4-9].* | v[3-9][0-9].*) return 0 ;;
  esac
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) arch=x64 ;;
    Linux-aarch64) arch=arm64 ;;
    *)
      echo "node24: the npm registry has no Node for $(uname -s)-$(uname -m); install Node 24 yourself" >&2
      return 1
      ;;
  esac
  dir="$root/.cache/node-linux-$arch-$version"
  if [ ! -x "$dir/bin/node" ]; then
    echo "node24: this machine has Node $current; fetching node-linux-$arch@$version (about 50 MB) from the npm registry" >&2
    mkdir -p "$root/.cache" && tmp=$(mktemp -d "$root/.cache/.node24.XXXXXX") || return 1
    # Unpacked beside the cache and moved in whole: an interrupted fetch leaves no half copy.
    if ! (cd "$tmp" && npm pack "node-linux-$arch@$version" --loglevel=error >/dev/null &&
      tar -xzf "node-linux-$arch-$version.tgz" && package/bin/node --version >/dev/null); then
      rm -rf "$tmp"
      echo "node24: could not fetch node-linux-$arch@$version from the npm registry (npm pack's error is above)" >&2
      return 1
    fi
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp" || return 1
  fi
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$dir"
  hash -r
  echo "node24: using Node $(node --version) from .cache/${dir##*/} (this machine has $current)" >&2
}

# The project folder, from where this file is: bash names it in BASH_SOURCE and
# zsh in $0 while sourcing; other shells (dash) cannot tell, so there it must be
# sourced from the project folder. Nothing is written unless the folder is sure.
node24_file=${BASH_SOURCE:-${ZSH_VERSION:+$0}}
node24_root=$(cd "$(dirname "${node24_file:-.ci/node24.sh}")/.." 2>/dev/null && pwd) || node24_root=
if [ -z "$node24_root" ] || [ ! -f "$node24_root/.ci/node24.sh" ] || [ ! -f "$node24_root/package.json" ]; then
  echo "node24: cannot tell the project folder; run \`source .ci/node24.sh\` from it" >&2
  unset node24_file node24_root
  return 1
fi
if node24_setup "$node24_root"; then
  unset -f node24_setup
  unset node24_file node24_root
else
  unset -f node24_setup
  unset node24_file node24_root
  return 1
fi
