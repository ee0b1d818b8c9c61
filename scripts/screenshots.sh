#!/usr/bin/env bash
# Renders the README's screenshots from the built-in data, headless (software renderer); with
# --matrix, every page at every panel size the kiosk supports (issue 11) into OUT_DIR/matrix,
# and at the smallest ones every page in large text and the main pages in English.
# Usage: scripts/screenshots.sh [--matrix] [OUT_DIR]   (default docs/screenshots)
# MOTCUA_BIN=path uses that binary instead of building the release one.
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=0
if [ "${1:-}" = "--matrix" ]; then
    matrix=1
    shift
fi
out="${1:-docs/screenshots}"
mkdir -p "$out"
if [ -n "${MOTCUA_BIN:-}" ]; then
    bin="$MOTCUA_BIN"
else
    cargo build --release --quiet
    bin="${CARGO_TARGET_DIR:-target}/release/motcua"
fi
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
# The contact page shows counters only when the office configures them: use the reference
# configuration with its counter example switched on, plus a second counter.
cfg="$data/kiosk.toml"
sed -e 's/^# \[\[counters\]\]/[[counters]]/' \
    -e 's/^# number = 1/number = 1/' \
    -e 's/^# location = "Tầng 1"/location = "Tầng 1"/' \
    -e 's/^# label = "Tư pháp – Hộ tịch"/label = "Tư pháp – Hộ tịch"/' \
    -e 's/^# fields = \["Hộ tịch", "Chứng thực", "Nuôi con nuôi"\]/fields = ["Hộ tịch", "Chứng thực", "Nuôi con nuôi"]/' \
    kiosk-config/kiosk.toml > "$cfg"
cat >> "$cfg" <<'TOML'

[[counters]]
number = 2
location = "Tầng 1"
label = "Đất đai – Xây dựng"
fields = ["Đất đai", "Hoạt động xây dựng"]
TOML
shot() { "$bin" --data-dir "$data/d" --config "$cfg" screenshot "$@"; }

if [ "$matrix" = 1 ]; then
    mkdir -p "$out/matrix"
    for size in 1280x720 1280x800 1366x768 1920x1080 2560x1440 3840x2160 768x1366 1080x1920; do
        shot --page home --size "$size" --out "$out/matrix/home-$size.png"
        shot --page search --query "dang ky khai sinh" --size "$size" --out "$out/matrix/search-$size.png"
        shot --page procedure --code 1.001193 --size "$size" --out "$out/matrix/procedure-$size.png"
        shot --page browse --group "Hộ tịch" --size "$size" --out "$out/matrix/browse-$size.png"
        shot --page hotlines --size "$size" --out "$out/matrix/hotlines-$size.png"
        shot --page guides --size "$size" --out "$out/matrix/guides-$size.png"
        shot --page guide --size "$size" --out "$out/matrix/guide-$size.png"
        shot --page staff-pin --size "$size" --out "$out/matrix/staff-pin-$size.png"
        shot --page staff --size "$size" --out "$out/matrix/staff-$size.png"
        shot --page rating --size "$size" --out "$out/matrix/rating-$size.png"
    done
    # Where room is shortest: every page in large text, the main pages in English (normal and
    # large text), as tests/ui/render.rs checks them.
    page_shot() {
        local page="$1"
        shift
        case "$page" in
            search) shot --page search --query "dang ky khai sinh" "$@" ;;
            procedure) shot --page procedure --code 1.001193 "$@" ;;
            browse) shot --page browse --group "Hộ tịch" "$@" ;;
            *) shot --page "$page" "$@" ;;
        esac
    }
    for size in 1280x720 1366x768 768x1366; do
        for page in home search procedure browse hotlines guides guide staff-pin staff rating; do
            page_shot "$page" --large-text --size "$size" --out "$out/matrix/$page-large-$size.png"
        done
        for page in home search procedure; do
            page_shot "$page" --lang en --size "$size" --out "$out/matrix/$page-en-$size.png"
            page_shot "$page" --lang en --large-text --size "$size" \
                --out "$out/matrix/$page-en-large-$size.png"
        done
    done
    exit 0
fi

shot --page home --out "$out/home.png"
shot --page search --query "dang ky khai sinh" --out "$out/search.png"
shot --page procedure --code 1.001193 --out "$out/procedure.png"
shot --page procedure --code 1.001193 --size 1080x1920 --out "$out/procedure-portrait.png"
shot --page browse --group "Hộ tịch" --out "$out/browse.png"
shot --page hotlines --out "$out/hotlines.png"
shot --page guides --out "$out/guides.png"
shot --page staff --out "$out/staff.png"
shot --page rating --out "$out/rating.png"
shot --page home --size 1080x1920 --out "$out/home-portrait.png"
shot --page home --lang en --high-contrast --out "$out/home-en-contrast.png"
shot --page procedure --code 1.001193 --size 1280x720 --out "$out/procedure-1280x720.png"
shot --page search --query "dang ky khai sinh" --size 1366x768 --out "$out/search-1366x768.png"
