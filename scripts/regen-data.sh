#!/usr/bin/env bash
# Regenerates data/default/ (the built-in bundle) from the real portal corpus in data/corpus/
# (or $MOTCUA_CORPUS) and motcua's curated files in data/src/. Run from anywhere.
# The procedures file is stored compressed (procedures.jsonl.zst, zstd -19, Debian package
# `zstd`); the manifest's sizes and hashes are those of the decompressed file, which the kiosk
# checks when it seeds a data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${MOTCUA_CORPUS:-data/corpus}"
command -v zstd >/dev/null || { echo "error: zstd is missing (apt-get install zstd)" >&2; exit 1; }
# The version must grow with every regeneration so kiosks accept it as newer.
version="${MOTCUA_DATA_VERSION:-$(date -u +%Y%m%d00)}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo run --release --quiet -- bundle build \
  --from "$corpus" \
         data/src/hotlines.json data/src/guides.json data/src/life-events.json \
         data/src/synonyms.tsv data/src/featured.json \
  --out "$out" \
  --version "$version" \
  --publisher "motcua (built from the national public service portal corpus, 07/2026)" \
  --description "Default data: every published procedure code, national hotlines and online-service guides"
zstd -19 -q -T0 --rm "$out/procedures.jsonl" -o "$out/procedures.jsonl.zst"
rm -rf data/default
mkdir -p data/default
cp "$out"/* data/default/
# The import report is part of the bundle (data/default/import-report.json); a short summary:
python3 - <<'PY' 2>/dev/null || true
import json
r = json.load(open("data/default/import-report.json"))
print("procedures", r["procedures"], "with detail", r["with_detail"], "merged", r["merged"])
PY
