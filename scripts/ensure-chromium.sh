#!/usr/bin/env bash
# Make sure Debian's Chromium is present for the browser tests (tests/browser/).
# Playwright's own browser download cannot work here (no download host), so the tests drive the
# system Chromium at /usr/bin/chromium. Idempotent: prints nothing and exits 0 when it is already there.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-chromium: $CHROMIUM is missing and we are not root (no sudo)" >&2
        exit 1
    fi
fi

echo "ensure-chromium: installing Debian's chromium (about 30 s)..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get update -qq >/dev/null; then
    echo "ensure-chromium: apt-get update failed" >&2
    exit 1
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
    echo "ensure-chromium: apt-get install chromium failed" >&2
    exit 1
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "ensure-chromium: installed, but $CHROMIUM is still missing" >&2
    exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready" >&2
