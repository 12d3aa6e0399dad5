#!/usr/bin/env bash
# Installs the system packages the project needs, only those that are missing.
# Media engines: ffmpeg, espeak-ng, Apertium with its language pairs; tests: Debian's chromium;
# `make bench`: wrk.
set -euo pipefail

declare -A PACKAGE_FOR_CHECK=(
  [ffmpeg]="ffmpeg"
  [ffprobe]="ffmpeg"
  [espeak-ng]="espeak-ng"
  [apertium]="apertium"
  [chromium]="chromium"
  [zip]="zip"
  [sox]="sox"
  [wrk]="wrk"
)
# Apertium pairs are data, not commands: checked by their mode files.
declare -A PACKAGE_FOR_FILE=(
  [/usr/share/apertium/modes/eng-spa.mode]="apertium-en-es"
  [/usr/share/apertium/modes/eng-cat.mode]="apertium-en-ca"
  [/usr/share/apertium/modes/en-gl.mode]="apertium-en-gl"
)

missing=()
for cmd in "${!PACKAGE_FOR_CHECK[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${PACKAGE_FOR_CHECK[$cmd]}")
done
for file in "${!PACKAGE_FOR_FILE[@]}"; do
  [ -e "$file" ] || missing+=("${PACKAGE_FOR_FILE[$file]}")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "Installing system packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Need root to install: ${missing[*]} (apt-get install -y ${missing[*]})" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
