#!/usr/bin/env bash
# Installs Veneer like a daemon (README "Operating Veneer" → "Install"):
#   /usr/local/bin/veneer                    the binary (presets and schemas are built in)
#   /etc/veneer/veneer.toml                  the configuration (conf/veneer.toml, never overwritten)
#   /var/lib/veneer/                         the store, its secret key and the replica (mode 0700)
#   /etc/systemd/system/veneer.service       the hardened unit (conf/systemd/veneer.service)
#   /usr/local/share/doc/veneer/README.md
# and, as root with no --prefix, the system user `veneer` that owns /var/lib/veneer.
#
#   sudo bash Tests/Scripts/install.sh                     # builds with swift build -c release
#   bash Tests/Scripts/install.sh --prefix /tmp/stage --binary .build/debug/veneer
#
# --prefix installs the same layout under another root (a staging directory, the tests) and
# creates no user. Nothing is started: the script prints the commands that do.
set -euo pipefail
cd "$(dirname "$0")/../.."

prefix=""
binary=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
        --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
done
prefix="${prefix%/}"

if [ -z "$binary" ]; then
    echo "== building the release binary (swift build -c release)"
    swift build -c release --product veneer
    binary="$(swift build -c release --show-bin-path)/veneer"
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 66; }

system_install=false
if [ -z "$prefix" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "install.sh: installing into / needs root (sudo), or give --prefix" >&2; exit 77; }
    system_install=true
fi

install -D -m 0755 "$binary" "$prefix/usr/local/bin/veneer"
install -D -m 0644 README.md "$prefix/usr/local/share/doc/veneer/README.md"
install -D -m 0644 conf/systemd/veneer.service "$prefix/etc/systemd/system/veneer.service"
install -d -m 0750 "$prefix/etc/veneer"
config="$prefix/etc/veneer/veneer.toml"
if [ -e "$config" ]; then
    echo "== kept the existing $config"
else
    install -m 0640 conf/veneer.toml "$config"
    echo "== installed $config: the demo configuration (local registry with demo users on 127.0.0.1:3389); edit it"
fi
install -d -m 0700 "$prefix/var/lib/veneer"

if $system_install; then
    if ! getent passwd veneer >/dev/null; then
        useradd --system --user-group --home-dir /var/lib/veneer --no-create-home --shell /usr/sbin/nologin veneer
        echo "== created the system user veneer"
    fi
    # The service reads its configuration (group veneer) and owns its state.
    chown root:veneer /etc/veneer "$config"
    chown veneer:veneer /var/lib/veneer
    systemctl daemon-reload 2>/dev/null || true
fi

echo "== installed into ${prefix:-/}"
echo "   check:   sudo -u veneer ${prefix}/usr/local/bin/veneer check --config $config"
echo "   start:   systemctl enable --now veneer    (log: journalctl -u veneer -f)"
