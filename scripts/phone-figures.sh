#!/usr/bin/env bash
# Figures for phone-ready tracks: build times (cold and warm phrase cache), loudness and
# true peak on ffmpeg's EBU R128 meter, and file sizes, for the built-in routine with Pico.
# Usage: scripts/phone-figures.sh [extra build options...]
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export AUDIOGUIDE_CACHE_DIR="$work/cache"
ffmpeg=$(.venv/bin/python -c "from audioguide import ffmpeg; print(ffmpeg.executable())")
timed() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null
  python3 -c "print(f\"{$EPOCHREALTIME - $start:.1f} s\")"
}
echo "build, cold cache: $(timed .venv/bin/audioguide build --engine pico -o "$work/out" "$@")"
echo "build, warm cache: $(timed .venv/bin/audioguide build --engine pico -o "$work/out" "$@")"
echo "split build, warm: $(timed .venv/bin/audioguide build --engine pico --split -o "$work/out" "$@")"
track="$work/out/feet-and-back.mp3"
start=$EPOCHREALTIME
"$ffmpeg" -hide_banner -nostats -i "$track" -af ebur128=peak=true -f null - 2>&1 |
  grep -E '^ +(I|Peak):' | sed 's/^ */meter: /'
python3 -c "print(f\"meter took {$EPOCHREALTIME - $start:.1f} s\")"
echo "whole track: $(stat -c %s "$track") bytes, $("$ffmpeg" -i "$track" 2>&1 | grep -o 'Duration: [0-9:.]*')"
echo "split tracks: $(cat "$work"/out/feet-and-back/*.mp3 | wc -c) bytes in $(ls "$work"/out/feet-and-back/*.mp3 | wc -l) files"
