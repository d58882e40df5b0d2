#!/usr/bin/env bash
# Debian packages the cockpit needs beyond Python: chromium (static chart export, browser tests),
# CJK fonts (Chinese glyphs in exports) and nginx (the proxy of `make cluster` and its test; run
# by deploy/cluster/run.py as an unprivileged process of its own, never as the system service).
# Installs them when missing and apt-get is usable; otherwise says what to install. Never
# downloads a browser of its own.
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -qi "noto sans cjk" || need+=(fonts-noto-cjk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)  # /usr/sbin: not on a user's PATH
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${need[@]}" >/dev/null; }
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get install -y -q "${need[@]}" >/dev/null
else
  echo "note: ${need[*]} not installed; chart exports, browser tests and make cluster need them (Debian/Ubuntu: apt-get install ${need[*]})" >&2
fi
exit 0
