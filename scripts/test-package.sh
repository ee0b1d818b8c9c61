#!/usr/bin/env bash
# Builds the appliance package and checks it on the real parts, as CI does (`.ci/run` calls it
# before the test suite, whose session tests then run the installed kiosk as its user):
#   cargo deb (the `ci` profile by default: release code without LTO; MOTCUA_DEB_PROFILE picks
#   another, `dev` in CI; releases use `cargo deb`), lintian,
#   dpkg -i, systemd-analyze verify on every unit, and the files, user, permissions and conffile
#   the package promises. Needs root (it installs the package). Prints the sizes it measured.
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${MOTCUA_DEB_PROFILE:-ci}"
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

# Pinned: the version this script was checked with (3.8 builds the `dev` profile CI uses, with a
# warning that a later version may refuse it).
CARGO_DEB_VERSION=3.8.0
cargo deb --version 2>/dev/null | grep -qx "cargo-deb $CARGO_DEB_VERSION" \
    || cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked
[ "$(id -u)" -eq 0 ] || fail "run as root: the package is installed with dpkg -i"

step "cargo deb --profile $PROFILE"
t0=$(date +%s)
deb=$(cargo deb --locked --profile "$PROFILE" 2>&1 | tee /dev/stderr | tail -n 1)
[ -f "$deb" ] || fail "cargo deb did not report a package file (last line: $deb)"
echo "built $deb in $(( $(date +%s) - t0 )) s"

step "lintian"
# Overrides, each with its reason, are in packaging/lintian-overrides (installed with the package).
lintian --info --display-info --fail-on error,warning "$deb"
echo "lintian: clean at error and warning level"

step "dpkg -i"
dpkg -i "$deb"
echo ".deb size: $(du -k "$deb" | cut -f1) KiB; installed size: $(dpkg-query -W -f='${Installed-Size}' motcua) KiB"

step "systemd-analyze verify"
command -v systemd-analyze >/dev/null 2>&1 || fail "systemd-analyze is missing (Debian: apt-get install systemd; scripts/install-deps.sh)"
for u in /usr/lib/systemd/system/motcua-kiosk.service /usr/lib/systemd/system/motcua-recovery.service \
         /usr/lib/systemd/system/motcua-refresh.service /usr/lib/systemd/system/motcua-refresh.timer; do
    [ -f "$u" ] || u="/lib/systemd/system/$(basename "$u")"
    [ -f "$u" ] || fail "unit $(basename "$u") is not installed"
    out=$(systemd-analyze verify "$u" 2>&1 || true)
    # Only messages about our units count (the host's own units may have their own warnings).
    ours=$(printf '%s\n' "$out" | grep -i 'motcua' || true)
    [ -z "$ours" ] || { printf '%s\n' "$out"; fail "systemd-analyze verify $(basename "$u")"; }
done
echo "systemd-analyze verify: clean"

step "files, user, permissions, conffile"
[ -x /usr/bin/motcua ] || fail "/usr/bin/motcua"
file -L /usr/bin/motcua | grep -q ', stripped' || fail "/usr/bin/motcua is not stripped"
id motcua >/dev/null || fail "user motcua"
for g in video input render audio lp; do
    id -nG motcua | tr ' ' '\n' | grep -qx "$g" || fail "motcua is not in group $g"
done
[ "$(getent passwd motcua | cut -d: -f7)" = /usr/sbin/nologin ] || fail "motcua has a login shell"
[ "$(stat -c '%U:%G %a' /var/lib/motcua)" = "motcua:motcua 750" ] || fail "/var/lib/motcua: $(stat -c '%U:%G %a' /var/lib/motcua)"
[ "$(stat -c '%U:%G %a' /etc/motcua/kiosk.toml)" = "root:motcua 640" ] || fail "/etc/motcua/kiosk.toml: $(stat -c '%U:%G %a' /etc/motcua/kiosk.toml)"
dpkg-query -W -f='${Conffiles}\n' motcua | grep -q '/etc/motcua/kiosk.toml' || fail "kiosk.toml is not a conffile"
[ -f /usr/lib/sysusers.d/motcua.conf ] && [ -f /usr/lib/tmpfiles.d/motcua.conf ] || fail "sysusers/tmpfiles"
[ -f /usr/share/doc/motcua/operations.md ] || fail "operations.md"
runuser -u motcua -- /usr/bin/motcua config check /etc/motcua/kiosk.toml
runuser -u motcua -- /usr/bin/motcua --config /etc/motcua/kiosk.toml --data-dir /var/lib/motcua stats >/dev/null
runuser -u motcua -- /usr/bin/motcua --config /etc/motcua/kiosk.toml --data-dir /var/lib/motcua duties
runuser -u motcua -- /usr/bin/motcua --config /etc/motcua/kiosk.toml --data-dir /var/lib/motcua doctor || true

step "an office's edits to the conffile survive reinstalling"
sed -i 's/^name = .*/name = "UBND phường Kiểm Thử"/' /etc/motcua/kiosk.toml
dpkg -i --force-confold "$deb" >/dev/null
grep -q 'UBND phường Kiểm Thử' /etc/motcua/kiosk.toml || fail "the edited conffile was replaced"
sed -i 's/^name = .*/name = "Bộ phận Một cửa"/' /etc/motcua/kiosk.toml
[ "$(stat -c '%U:%G %a' /etc/motcua/kiosk.toml)" = "root:motcua 640" ] || fail "kiosk.toml permissions after upgrade"
echo "test-package: OK"
