#!/usr/bin/env bash
# Installs the Debian packages that building motcua and running its whole test suite need on a
# fresh Debian 12 machine. `.ci/run` calls it; a newcomer runs it once (as root or with sudo).
# Every package is listed with the reason it is here.
set -euo pipefail

PACKAGES=(
  pkg-config libfontconfig1-dev   # build: Slint's winit backend (femtovg and software renderers)
  fonts-dejavu-core               # run: fontconfig must find one system font or Slint panics
  fonts-noto-core                 # run: Noto Sans, the kiosk's own font
  minisign                        # tests: signatures made and checked by the reference tool
  prometheus                      # tests: promtool and Prometheus (server and agent) for deploy/
  prometheus-node-exporter        # tests: serves the kiosk's heartbeat file to Prometheus
  chromium                        # tests: renders the fleet report headless
  nginx-light                     # system tests: serves the province feed to a kiosk
  espeak-ng                       # run: read-aloud (the default Vietnamese speech engine)
  alsa-utils                      # run: aplay plays speech through ALSA
  cups-client                     # run: `lp` for printers on a CUPS queue
  sox                             # tests: an independent reading of the speech WAV
  tesseract-ocr tesseract-ocr-vie # tests: OCR of the printed receipt (Vietnamese)
  cage xwayland grim gcc          # tests: the kiosk session (headless cage, grim screenshots; gcc builds the output-size shim)
  lintian dpkg-dev file           # package: lintian checks the .deb; dpkg-shlibdeps finds its library dependencies
  systemd libpam-systemd          # package: the .deb depends on them (dpkg -i); systemd-analyze verifies its units
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
