#!/usr/bin/env bash
# System packages the tests use: LibreOffice (real re-saves, PDF rendering, and edits driven through its UNO
# API from the system Python), CJK fonts, poppler, the PostgreSQL server (the tests start a throwaway one) and
# Chromium (the portal's browser tests drive it through Playwright; Playwright downloads no browser of its own).
# Installs only what is missing; needs root (or sudo) on Debian/Ubuntu.
set -eu
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
/usr/bin/python3 -c "import uno" >/dev/null 2>&1 || need+=(python3-uno)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
