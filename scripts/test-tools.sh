#!/usr/bin/env bash
# Before `npm test`: the end-to-end tests drive real Chromium (the benchmark's HTML report), real tmux (the live
# status view), real bubblewrap (the agent's filesystem sandbox) and a real redis-server (the fleet's engine).
# All come from Debian's packages; install whichever is missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "test-tools: the tests need ${missing[*]}; install them (apt-get install ${missing[*]}) and run npm test again" >&2
  exit 1
fi
echo "test-tools: installing ${missing[*]} from Debian's packages" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
