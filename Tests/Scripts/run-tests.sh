#!/usr/bin/env bash
# The project's test command (README "Quick start"): installs what the tests need on a fresh
# Debian machine, builds once, runs every test, then replays the fuzz corpus through the
# same checks the fuzzer applies.
set -euo pipefail
cd "$(dirname "$0")/../.."

# OpenLDAP: libldap/liblber are the reference implementation the codec is tested against;
# slapd and ldap-utils are the real server and clients the integration tests use.
packages=(libldap2-dev slapd ldap-utils)
# curl scrapes the metrics endpoint; Prometheus' promtool parses what it serves and checks the
# shipped alert rules.
packages+=(curl prometheus)
# SQLite for the local store (GRDB links the system library); the sqlite3 CLI checks
# database integrity after kill -9 in the durability test.
packages+=(libsqlite3-dev sqlite3)
# HAProxy sends real PROXY protocol headers to Veneer in the load-balancer test.
packages+=(haproxy)
# Samba as a real Active Directory DC (Tests/Scripts/samba-dc.sh): samba-vfs-modules because
# provisioning sets the sysvol ACLs through acl_xattr; openssl makes the DC's certificates.
packages+=(samba samba-dsdb-modules samba-vfs-modules samba-ad-provision ldb-tools openssl)
# 389 Directory Server (Tests/VeneerTestSupport/DS389Fixture.swift): dscreate, ns-slapd and
# lib389; --no-install-recommends (below) skips ~127 packages it does not need.
packages+=(389-ds-base)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== building"
swift build --build-tests

echo "== replaying the fuzz corpus"
swift run --skip-build LDAPFuzz Sources/LDAPFuzz/corpus Tests/LDAPCoreTests/Fixtures/fuzz-crashers

echo "== swift test"
# Serially: the suites start real slapd and Samba servers; run all at once on 2 cores, TLS
# handshakes with them can time out.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift test --skip-build --no-parallel 2>&1 | tee "$log"
# The tests are Swift Testing ones; XCTest's own summary reports 0, so restate the real count.
passed=$(grep -Eo 'Test run with [0-9]+ tests? in [0-9]+ suites? passed' "$log" | grep -Eo '[0-9]+' | head -n 1)
echo "swift-testing: ${passed:-0} passed, 0 failed"
