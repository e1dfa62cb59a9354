#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: lint and types (Python, and the page's
# JavaScript: ESLint and TypeScript's checker, from package-lock.json), unit, integration (on both paths of
# the server's C send loop, which the install builds with gcc), real-browser (Debian's chromium), notebook
# and Redis tests (each Redis test starts its own redis-server on a free port). Works on a fresh Debian
# machine as root; elsewhere it tells you what to install. Under CI=true a missing part fails the run
# instead of skipping tests.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
# The server's optional C send loop is built by the install below; the tests run both of its paths.
command -v gcc >/dev/null 2>&1 || need_apt+=(gcc)
"$PYTHON" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' || need_apt+=(python3-dev)
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${need_apt[*]} from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "the browser, Redis, page and C send loop checks need: ${need_apt[*]} (e.g. sudo apt-get install ${need_apt[*]})" >&2
    [ "${CI:-}" = "true" ] && exit 1
  fi
fi

"$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test]"

# The page (static/*.js) is checked by ESLint and by TypeScript's checker over its JSDoc types; both must
# report nothing. (tests/test_display_rule.py also runs static/format.js, in Node.js.)
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error
  npx --no -- eslint --max-warnings=0 static eslint.config.mjs
  npx --no -- tsc -p .
elif [ "${CI:-}" = "true" ]; then
  echo "the page's lint and type checks need Node.js and npm, which are missing (apt-get install nodejs npm)" >&2
  exit 1
else
  echo "skipping the page's lint and type checks: they need Node.js and npm (e.g. sudo apt-get install nodejs npm)" >&2
fi
"$PYTHON" -m ruff check .
"$PYTHON" -m mypy
"$PYTHON" -m pytest "$@"
