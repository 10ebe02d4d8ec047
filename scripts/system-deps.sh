#!/bin/sh
# Installs Debian's chromium and fonts-noto-cjk when they are missing. Quick when present.
set -e
need=""
command -v chromium >/dev/null 2>&1 || [ -n "${WANGJIAN_CHROMIUM:-}" ] || need="$need chromium"
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then need="$need fonts-noto-cjk"; fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing:$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need fontconfig >/dev/null
    fc-cache -f >/dev/null 2>&1 || true
else
    echo "missing:$need. Without root: '.venv/bin/playwright install chromium', or point"
    echo "WANGJIAN_CHROMIUM at an existing Chromium; install a CJK font for screenshots." >&2
fi
