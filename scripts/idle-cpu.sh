#!/bin/sh
# The CPU the real kiosk window uses when nobody touches it: on the untouched home page, on the
# invitation screen that follows it ([idle] attract_seconds, 60 s here), and while the idle
# countdown is shown (issue 11 defect 7). The window is the kiosk's own (winit) on an X server
# in memory (Xvfb); xdotool taps the invitation away, then taps "English" so the kiosk is no
# longer pristine and the countdown starts after [idle] timeout_seconds (15 s here). CPU is the
# kiosk process's utime + stime (all threads) from /proc over each period.
#
#   scripts/idle-cpu.sh [MOTCUA] [software|femtovg] [WIDTHxHEIGHT] [SECONDS]
#
# Defaults: target/release/motcua, software, 1920x1080, 30. Needs Debian's xvfb, xdotool and,
# for the screenshot it leaves in the report folder, x11-apps and netpbm.
set -eu
BIN=${1:-target/release/motcua}
RENDERER=${2:-software}
SIZE=${3:-1920x1080}
SECONDS_WATCHED=${4:-30}
W=${SIZE%x*}
H=${SIZE#*x}
for tool in Xvfb xdotool; do
  command -v "$tool" >/dev/null || { echo "idle-cpu: $tool is missing (apt-get install xvfb xdotool)" >&2; exit 2; }
done
BIN=$(realpath "$BIN")
OUT=$(mktemp -d /tmp/motcua-idle-cpu.XXXXXX)
cat > "$OUT/kiosk.toml" <<'EOF'
[idle]
timeout_seconds = 15
warning_seconds = 600
attract_seconds = 60
EOF
# A free display number.
N=90
while [ -e "/tmp/.X11-unix/X$N" ] || [ -e "/tmp/.X$N-lock" ]; do N=$((N + 1)); done
Xvfb ":$N" -screen 0 "${SIZE}x24" -nolisten tcp > "$OUT/xvfb.log" 2>&1 &
XPID=$!
KPID=
cleanup() {
  [ -n "$KPID" ] && kill "$KPID" 2>/dev/null || true
  kill "$XPID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
export DISPLAY=":$N"
sleep 2

# `--data-dir` seeds an empty folder first (not timed here).
"$BIN" --data-dir "$OUT/data" --config "$OUT/kiosk.toml" stats > /dev/null
SLINT_BACKEND="winit-$RENDERER" "$BIN" --data-dir "$OUT/data" --config "$OUT/kiosk.toml" \
  > "$OUT/kiosk.log" 2>&1 &
KPID=$!

cpu() { # ticks of utime + stime of the kiosk
  awk '{ print $14 + $15 }' "/proc/$KPID/stat"
}
watch_cpu() { # $1: what; prints the share of one core over SECONDS_WATCHED
  t0=$(cpu)
  sleep "$SECONDS_WATCHED"
  t1=$(cpu)
  awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" -v s="$SECONDS_WATCHED" -v what="$1" \
    'BEGIN { printf "%-28s %5.1f %% of one core over %d s\n", what, (b - a) * 100 / hz / s, s }'
}

# Wait for the window (no window manager: give it the screen's size ourselves).
WIN=
for _ in $(seq 1 120); do
  WIN=$(xdotool search --name "Tra" 2>/dev/null | tail -1) && [ -n "$WIN" ] && break
  sleep 0.5
done
[ -n "$WIN" ] || { echo "idle-cpu: no kiosk window; see $OUT/kiosk.log" >&2; exit 1; }
xdotool windowsize "$WIN" "$W" "$H"
sleep 5
echo "motcua window ${SIZE}, renderer $RENDERER ($BIN)"
watch_cpu "home, untouched"
# The invitation screen comes 60 s after the window.
sleep $((65 - SECONDS_WATCHED - 5 > 0 ? 65 - SECONDS_WATCHED - 5 : 0))
watch_cpu "invitation screen"
shot() { # $1: name
  if command -v xwd >/dev/null && command -v xwdtopnm >/dev/null; then
    xwd -root -silent | xwdtopnm 2>/dev/null | pnmtopng > "$OUT/$1.png" 2>/dev/null &&
      echo "the screen: $OUT/$1.png"
  fi
}
shot invitation
tap() { # $1 $2: where, pressed slowly as a finger would
  xdotool mousemove "$1" "$2"
  sleep 0.5
  xdotool mousedown 1
  sleep 0.3
  xdotool mouseup 1
  sleep 1
}
# Away with the invitation, then "English" (the rightmost header button).
tap 20 $((H - 20))
tap $((W - 100)) 45
sleep 17
watch_cpu "idle countdown"
shot countdown
