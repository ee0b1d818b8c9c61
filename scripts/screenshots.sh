#!/usr/bin/env bash
# Renders the README's screenshots from the built-in data, headless (software renderer).
# Usage: scripts/screenshots.sh [OUT_DIR]   (default docs/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-docs/screenshots}"
mkdir -p "$out"
cargo build --release --quiet
bin=target/release/motcua
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
