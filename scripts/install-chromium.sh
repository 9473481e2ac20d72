#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the dashboard's browser test, when it is
# missing; prints the browser's path. Nothing is downloaded but Debian's own package: Playwright's
# browser builds are never fetched (playwright-core drives the system browser).
#
#   scripts/install-chromium.sh            # as root, or with password-less sudo
#   WEIR_CHROMIUM=/path/to/chrome ...      # use another Chromium or Chrome instead
#
# Exit 1, with what to do, when it cannot be installed (no apt-get, not root and no sudo).
set -euo pipefail

browser="${WEIR_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
  echo "$browser"
  exit 0
fi
if [ -n "${WEIR_CHROMIUM:-}" ]; then
  echo "WEIR_CHROMIUM=$WEIR_CHROMIUM is not an executable file" >&2
  exit 1
fi

how="install Debian's chromium package (as root: apt-get update && apt-get install -y chromium), or set WEIR_CHROMIUM to a Chromium or Chrome binary"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "no /usr/bin/chromium and no apt-get on this machine: $how" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "no /usr/bin/chromium, and installing it needs root (not root, no password-less sudo): $how" >&2
    exit 1
  fi
fi

echo "installing Debian's chromium (apt-get update; apt-get install chromium)..." >&2
export DEBIAN_FRONTEND=noninteractive
# Another apt run (a second test process, an unattended upgrade) may hold the lock for a while.
lock=(-o DPkg::Lock::Timeout=600)
"${as_root[@]}" apt-get "${lock[@]}" update -qq >&2
"${as_root[@]}" apt-get "${lock[@]}" install -y -qq chromium fonts-dejavu-core >&2
if [ ! -x /usr/bin/chromium ]; then
  echo "apt-get install chromium finished, but there is no /usr/bin/chromium: $how" >&2
  exit 1
fi
echo /usr/bin/chromium
