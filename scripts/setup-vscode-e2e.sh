#!/usr/bin/env bash
# Installs code-server (the real VS Code server, extension host and web workbench) into a cache
# folder, for the extension's end-to-end test (test/extension/vscode.e2e.test.ts). Works with only
# the npm registry and Debian's packages reachable: code-server's own postinstall cannot (it
# clones a GitHub dependency and downloads ripgrep and Node headers), so its steps are done here.
#
# Usage: scripts/setup-vscode-e2e.sh [DIR]   (DIR defaults to $RECON_E2E_DIR or /tmp/recon-vscode-e2e)
# Result: DIR/code-server/node_modules/.bin/code-server, and DIR/code-server/READY once it works.
# Idempotent: a finished install is detected and left alone (about a minute and 330 MB otherwise).
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.96.4}"
# The release of @vscode/proxy-agent that code-server 4.96.4's VS Code pins by git commit; the
# registry tarball of this version carries the same integrity hash as the shrinkwrap entry.
PROXY_AGENT_VERSION="0.27.0"
CACHE="${1:-${RECON_E2E_DIR:-/tmp/recon-vscode-e2e}}"
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
INSTALL="$CACHE/code-server"
READY="$INSTALL/READY"
BIN="$INSTALL/node_modules/.bin/code-server"

step() { printf '\n--- setup-vscode-e2e [%s] %s\n' "$(date +%T)" "$*"; }

if [ -f "$READY" ] && [ "$(cat "$READY")" = "$CODE_SERVER_VERSION" ] && [ -x "$BIN" ]; then
  echo "setup-vscode-e2e: code-server $CODE_SERVER_VERSION already installed in $INSTALL"
  exit 0
fi
SECONDS=0

# System packages: ripgrep (VS Code's search; its npm package would download it), the Kerberos
# headers (the `kerberos` module builds from source), and a compiler toolchain for node-gyp.
missing=()
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
[ -e /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then echo "setup-vscode-e2e: need root to install: ${missing[*]}" >&2; exit 1; fi
  # Another apt run (a parallel setup) may hold the lock: wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# node-gyp must build against the installed Node's headers instead of downloading them.
if [ -e /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

step "npm install code-server@$CODE_SERVER_VERSION (scripts off)"
rm -rf "$INSTALL"
mkdir -p "$INSTALL"
cd "$INSTALL"
printf '{ "name": "recon-vscode-e2e", "private": true }\n' > package.json
npm install --ignore-scripts --no-save "code-server@$CODE_SERVER_VERSION" >/dev/null
# argon2 is code-server's own native module; without a build code-server exits at start.
npm rebuild argon2 >/dev/null

VSCODE="$INSTALL/node_modules/code-server/lib/vscode"
cd "$VSCODE"

step "point @vscode/proxy-agent at the registry tarball"
tarball="$(npm view "@vscode/proxy-agent@$PROXY_AGENT_VERSION" dist.tarball)"
sed -i -E "s#git\\+ssh://git@github\\.com/microsoft/vscode-proxy-agent\\.git\\#[0-9a-f]+#${tarball}#" npm-shrinkwrap.json
if grep -q 'github.com/microsoft/vscode-proxy-agent' npm-shrinkwrap.json; then
  echo "setup-vscode-e2e: could not replace the git dependency on vscode-proxy-agent" >&2
  exit 1
fi

step "npm install VS Code's production dependencies"
npm install --omit=dev --ignore-scripts >/dev/null
step "build the native modules"
npm rebuild @parcel/watcher @vscode/spdlog @vscode/deviceid native-watchdog node-pty kerberos >/dev/null
mkdir -p node_modules/@vscode/ripgrep/bin
ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg

step "the links of code-server's postinstall, built-in extensions' dependencies"
ln -sfn node_modules node_modules.asar
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
(cd extensions && npm install --omit=dev >/dev/null)

step "check that it starts"
node -e 'for (const m of ["@vscode/spdlog", "node-pty", "native-watchdog", "kerberos", "@parcel/watcher"]) require(m)'
(cd "$INSTALL" && node -e 'require("argon2")')
probe="$(mktemp -d)"
# (it logs a line about its config file first; the version line starts with the number)
version="$(XDG_CONFIG_HOME="$probe/config" XDG_DATA_HOME="$probe/data" "$BIN" --version 2>&1 | grep -E '^[0-9]+\.[0-9]+\.' | head -1 || true)"
rm -rf "$probe"
case "$version" in
  "$CODE_SERVER_VERSION"*) ;;
  *) echo "setup-vscode-e2e: unexpected version output: $version" >&2; exit 1 ;;
esac
echo "$CODE_SERVER_VERSION" > "$READY"
step "code-server $version ready in $INSTALL (${SECONDS}s, $(du -sh "$INSTALL" | cut -f1))"
