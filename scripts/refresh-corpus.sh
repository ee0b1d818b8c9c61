#!/usr/bin/env bash
# Replaces data/corpus/ with a newer crawl of the national public service portal.
#
#   scripts/refresh-corpus.sh SOURCE_DIR
#
# SOURCE_DIR holds the crawl in the layout described in data/corpus/README.md:
# portal-api-details.jsonl, portal-catalog.jsonl, portal-pages.jsonl (plain or already .zst),
# official-lists/*.xlsx, commune-level/*.json and provinces.json. The JSON Lines files are
# compressed with zstd -19 (Debian package `zstd`); everything else is copied as it is. The new
# folder is checked by importing it (`motcua bundle build`) before it replaces the old one, so a
# crawl the importers refuse never lands in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 SOURCE_DIR   (a folder with the crawl, see data/corpus/README.md)" >&2
  exit 2
fi
src="$(cd "$1" && pwd)"
command -v zstd >/dev/null || { echo "error: zstd is missing (apt-get install zstd)" >&2; exit 1; }

new="$(mktemp -d data/.corpus-new.XXXXXX)"
trap 'rm -rf "$new"' EXIT

for stem in portal-api-details portal-catalog portal-pages; do
  if [ -f "$src/$stem.jsonl" ]; then
    zstd -19 -q -T0 "$src/$stem.jsonl" -o "$new/$stem.jsonl.zst"
  elif [ -f "$src/$stem.jsonl.zst" ]; then
    cp "$src/$stem.jsonl.zst" "$new/"
  else
    echo "error: $src has no $stem.jsonl" >&2
    exit 1
  fi
done
for part in official-lists commune-level provinces.json; do
  [ -e "$src/$part" ] || { echo "error: $src has no $part" >&2; exit 1; }
  cp -r "$src/$part" "$new/"
done
cp data/corpus/README.md "$new/README.md"

# The importers must read the whole crawl before it replaces the old one.
check="$(mktemp -d)"
cargo run --release --quiet -- bundle build --from "$new" data/src --out "$check/bundle" --version 1
rm -rf "$check"

rm -rf data/corpus
mv "$new" data/corpus
trap - EXIT
du -sh data/corpus/*
echo "data/corpus replaced. Update the dates and counts in data/corpus/README.md, then run scripts/regen-data.sh."
