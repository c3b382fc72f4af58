#!/usr/bin/env bash
# Makes sure the AWS emulator used by the *.emu.test.ts suite (moto, server mode) is installed.
# Idempotent: when python3 already has moto 5.2.1 with its server extras, it does nothing and
# touches no network. Otherwise it installs "moto[server]==5.2.1" with pip and checks again.
set -euo pipefail

readonly MOTO_VERSION="5.2.1"

if ! command -v python3 >/dev/null 2>&1; then
  echo "emulator-setup: python3 not found on PATH; install Python 3.9+ (the emulator is moto ${MOTO_VERSION})" >&2
  exit 1
fi

moto_ready() {
  # moto.server needs flask/werkzeug (the [server] extra); the version pin matches test/emulator/moto_server.py.
  python3 -c "import moto, sys; sys.exit(moto.__version__ != '${MOTO_VERSION}')" >/dev/null 2>&1 &&
    python3 -c "import moto.server, flask" >/dev/null 2>&1
}

if moto_ready; then
  echo "emulator-setup: moto ${MOTO_VERSION} (server mode) already installed for $(command -v python3)"
  exit 0
fi

echo "emulator-setup: installing moto[server]==${MOTO_VERSION} for $(command -v python3)"
python3 -m pip install --disable-pip-version-check "moto[server]==${MOTO_VERSION}"

if ! moto_ready; then
  found="$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo 'none')"
  echo "emulator-setup: FAILED: after pip install, python3 still lacks moto ${MOTO_VERSION} with server extras (found: ${found})" >&2
  exit 1
fi
echo "emulator-setup: moto ${MOTO_VERSION} ready"
