#!/usr/bin/env bash
# Runs rollcall's whole test suite on a fresh Debian machine: installs the real clients the
# integration tests use (util-linux logger, rsyslog with TLS, openssl, node + the independent
# LEEF parser, python-evtx) when they are missing, then `cargo test` over the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v logger   >/dev/null 2>&1 || need_apt+=(bsdutils)
command -v rsyslogd >/dev/null 2>&1 || need_apt+=(rsyslog)
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] || [ -n "$(find /usr/lib -name 'lmnsd_gtls.so' 2>/dev/null | head -n1)" ] || need_apt+=(rsyslog-gnutls)
command -v openssl  >/dev/null 2>&1 || need_apt+=(openssl)
command -v node     >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm      >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# The independent LEEF parser (nsyslog-parser, pinned by package-lock.json).
if [ -f tests/leef-check/package.json ] && [ ! -d tests/leef-check/node_modules/nsyslog-parser ]; then
  (cd tests/leef-check && npm ci --no-audit --no-fund --silent)
fi

# The independent EVTX decoder used to cross-check the EVTX reader.
if ! python3 -c 'import Evtx' >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check python-evtx
fi

exec cargo test --workspace --locked "$@"
