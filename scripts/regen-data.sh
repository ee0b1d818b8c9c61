#!/usr/bin/env bash
# Regenerates data/default/ (the built-in bundle) from the real portal corpus and motcua's curated
# files in data/src/. Run from anywhere; needs the corpus at ../shared/corpus or $MOTCUA_CORPUS.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${MOTCUA_CORPUS:-../shared/corpus}"
# The version must grow with every regeneration so kiosks accept it as newer.
version="${MOTCUA_DATA_VERSION:-$(date -u +%Y%m%d00)}"
cargo run --release --quiet -- bundle build \
  --from "$corpus/portal-api-details.jsonl" "$corpus/portal-pages.jsonl" \
         "$corpus/portal-catalog.jsonl" "$corpus/official-lists" \
         data/src/hotlines.json data/src/guides.json data/src/life-events.json \
         data/src/synonyms.tsv data/src/featured.json \
  --out data/default \
  --version "$version" \
  --publisher "motcua (built from the national public service portal corpus, 07/2026)" \
  --description "Default data: every published procedure code, national hotlines and online-service guides"
# The import report is part of the bundle (data/default/import-report.json); a short summary:
python3 - <<'PY' 2>/dev/null || true
import json
r = json.load(open("data/default/import-report.json"))
print("procedures", r["procedures"], "with detail", r["with_detail"], "merged", r["merged"])
PY
