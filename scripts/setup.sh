#!/usr/bin/env bash
# Install what anysnake2 and its tests need on a fresh Debian machine (idempotent):
# system tools via apt-get, the package itself in .venv (editable, with test extras).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(nix-bin bubblewrap dtach tmux git mercurial busybox-static bash-static umoci skopeo)
packages+=(python3 gcc)  # the honest offline stand-in copies the host's Python and links with gcc
packages+=(slurm-wlm munge)  # a single-node Slurm cluster for the submit/jobs tests
packages+=(zsh fish)  # the completion scripts are loaded in each shell
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
