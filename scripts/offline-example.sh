#!/usr/bin/env bash
# The main job on the bundled offline example: set up (apt-get + .venv), make the offline
# package set, build examples/offline/ with nix and run its default command under bwrap.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export ANYSNAKE2_OFFLINE=1  # the example needs no network: no substituters, nothing resolved
.venv/bin/python tools/offline_pkgs/make_offline_pkgs.py examples/offline/offline-pkgs >/dev/null
.venv/bin/anysnake2 -c examples/offline/anysnake2.toml build rootfs
.venv/bin/anysnake2 -c examples/offline/anysnake2.toml "$@"
