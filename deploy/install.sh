#!/bin/sh
# Install Loket from the offline archive (`make dist`): no internet, no npm, no compiler.
#   tar xzf loket-*.tar.gz && sudo ./loket-*/install.sh
# PREFIX (default /opt/loket) gets a virtualenv with every wheel from ./wheels (pip --no-index) and
# the front-end files; as root it also creates the loket user, /etc/loket/loket.env with a fresh
# secret key (once), /var/lib/loket, /var/backups/loket and the systemd units (enabled, not started
# when NO_START=1). NO_SYSTEM=1 installs the files only (CI, or a try as a normal user).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-/opt/loket}
PYTHON=${PYTHON:-python3}

"$PYTHON" - "$HERE/MANIFEST.json" <<'PY'
import json, sys
wanted = json.load(open(sys.argv[1]))["python"]
mine = "%d.%d" % sys.version_info[:2]
if wanted != mine:
    sys.exit(f"this archive is for Python {wanted}, this PC has {mine}: build it with `make dist PYTHON=python{mine}`")
PY

mkdir -p "$PREFIX"
"$PYTHON" -m venv "$PREFIX/.venv"
PIP="$PREFIX/.venv/bin/pip --disable-pip-version-check --no-input -q"
$PIP install --no-index --find-links "$HERE/wheels" --upgrade pip setuptools wheel
$PIP install --no-index --find-links "$HERE/wheels" -r "$HERE/requirements.txt"
$PIP install --no-index --find-links "$HERE/wheels" 'loket[replication]'
rm -rf "$PREFIX/node_modules" "$PREFIX/deploy"
cp -R "$HERE/node_modules" "$PREFIX/node_modules"
cp -R "$HERE/deploy" "$PREFIX/deploy"
cp "$HERE/docs/deployment.md" "$PREFIX/deployment.md"
echo "Loket installed in $PREFIX: $PREFIX/.venv/bin/loket"

if [ "${NO_SYSTEM:-0}" = 1 ] || [ "$(id -u)" != 0 ]; then
    exit 0
fi
id loket >/dev/null 2>&1 || useradd --system --home /var/lib/loket --shell /usr/sbin/nologin loket
getent group lp >/dev/null && usermod -a -G lp loket || true
install -d -o loket -g loket -m 0700 /var/lib/loket /var/backups/loket
install -d -m 0700 /etc/loket
if [ ! -e /etc/loket/loket.env ]; then
    umask 077
    printf 'LOKET_SECRET_KEY=%s\n' "$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')" > /etc/loket/loket.env
fi
[ -e /etc/loket/litestream.yml ] || install -m 0640 -g loket "$HERE/deploy/litestream.yml" /etc/loket/litestream.yml
for unit in "$HERE"/deploy/systemd/*; do
    sed "s#/opt/loket#$PREFIX#g" "$unit" > "/etc/systemd/system/$(basename "$unit")"
done
systemctl daemon-reload
systemctl enable loket.service loket-rollup.timer loket-backup.timer
[ "${NO_START:-0}" = 1 ] || systemctl restart loket.service
echo "Add an admin: echo 'a-long-password' | sudo -u loket LOKET_DB=/var/lib/loket/loket.db $PREFIX/.venv/bin/loket add-user admin --role admin --password-stdin"
