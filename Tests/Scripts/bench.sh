#!/usr/bin/env bash
# Veneer's reference benchmark (issue 6). Starts, on this machine:
#   A  a real upstream slapd (back-mdb) with generated users           ldap://127.0.0.1:4890
#   B  a slapd back-ldap proxy in front of A (how people proxy today)  ldap://127.0.0.1:4891
#   C  Veneer (release build, openldap preset) in front of A           ldap://127.0.0.1:4892
# and runs `veneer bench` against A, B and C interleaved (A B C, several rounds, medians) for
# each workload at 8 and 64 connections, then prints ops/s, p99 and the ratios B/A and C/A.
# Also: RSS with 10,000 idle client connections, added p99 at 8 connections and (with --big)
# the search cost with 100,000 users (second upstream on 4893, Veneer on 4894).
#
#   bash Tests/Scripts/bench.sh [--rounds 3] [--duration 5] [--warmup 1] [--users 10000]
#        [--connections "8 64"] [--workloads "search-uid phonebook bind bind-wrong mix"]
#        [--idle 10000] [--big] [--locked] [--aliases] [--live] [--digest] [--metrics] [--skip-build] [--keep] [--serve]
# --digest measures a SIP registrar's digest lookup, (&(objectClass=SIPIdentity)
# (SIPIdentityUserName=…)) reading SIPIdentityPassword on 4 persistent connections, against D
# (a slapd holding the H.350 entries itself, 4897) and C-digest (Veneer with 1,000 digests
# set through it, 4898).
# C serves from its replica (the default mode; A runs syncprov, so C keeps it current with
# RFC 4533 refreshAndPersist). --live adds L: Veneer in live mode (every search passed to A)
# on 4896. A's cn=Monitor counts the searches it served while C was measured.
# --metrics adds M: C's configuration with the [metrics] endpoint on (127.0.0.1:9399), scraped
# every second while it runs, as Prometheus would; the table M/C is what metrics cost.
# --locked also measures binds on accounts Veneer has locked (after the other workloads).
# --aliases also measures phonebook searches with every user holding a 5-digit alias that
# Veneer presents as telephoneNumber (a second Veneer, C-alias), with 3-digit substrings.
# --serve only starts A, B and C and waits (for profiling by hand); stop it with Ctrl-C.
#
# Never part of the test command; it reports and never fails on a figure. Results land in
# var/bench/ (results.jsonl: one line per run; summary.md: the tables).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

rounds=3 duration=5 warmup=1 users=10000 idle=10000 big=0 build=1 keep=0 serve=0
connections="8 64"
workloads="search-uid phonebook bind bind-wrong mix"
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift ;;
        --duration) duration=$2; shift ;;
        --warmup) warmup=$2; shift ;;
        --users) users=$2; shift ;;
        --connections) connections=$2; shift ;;
        --workloads) workloads=$2; shift ;;
        --idle) idle=$2; shift ;;
        --big) big=1 ;;
        --skip-build) build=0 ;;
        --keep) keep=1 ;;
        --serve) serve=1 ;;
        --locked) locked=1 ;;
        --aliases) aliases=1 ;;
        --live) live=1 ;;
        --metrics) metrics=1 ;;
        --digest) digest=1 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if ! command -v slapd >/dev/null && [ ! -x /usr/sbin/slapd ]; then
    echo "bench.sh: installing slapd and ldap-utils" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq slapd ldap-utils >/dev/null
fi
slapd=/usr/sbin/slapd
[ -x "$slapd" ] || slapd=$(command -v slapd)

# 10,000 idle clients plus Veneer's own sockets: both this shell's children need the room.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ "$build" = 1 ]; then
    swift build -c release --product veneer
fi
veneer="$(swift build -c release --show-bin-path)/veneer"
[ -x "$veneer" ] || { echo "bench.sh: no release binary at $veneer" >&2; exit 1; }

state="$root/var/bench"
rm -rf "$state"
mkdir -p "$state"
base="dc=example,dc=com"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "$keep" = 0 ]; then rm -rf "$state"/db-* ; fi
}
trap cleanup EXIT

# Users: uid=userNNNNN, password password-NNNNN ({SSHA}), cn "<given> A<token>on" where the
# 4-consonant token is shared by exactly 50 users (so (cn=*token*) finds 50 entries whatever
# the directory size), telephoneNumber "+1 555 NNNNNN".
generate() {  # count ldif filters
    /usr/bin/python3 - "$1" "$2" "$3" "$base" <<'PY'
import base64, hashlib, os, sys
count, ldif, filters, base = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
consonants = "bcdfghjklmnpqrstvwxz"
groups = max(1, count // 50)
def token(g):
    letters = []
    for _ in range(4):
        letters.append(consonants[g % 20]); g //= 20
    return "".join(reversed(letters))
given = ["Anna", "Ben", "Carla", "David", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas"]
def ssha(password):
    salt = os.urandom(4)
    return "{SSHA}" + base64.b64encode(hashlib.sha1(password.encode() + salt).digest() + salt).decode()
with open(ldif, "w") as out:
    out.write(f"dn: {base}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n")
    for ou in ("people", "services"):
        out.write(f"dn: ou={ou},{base}\nobjectClass: organizationalUnit\nou: {ou}\n\n")
    out.write(f"dn: cn=veneer-service,ou=services,{base}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: veneer-service\nuserPassword: service-secret\n\n")
    for i in range(count):
        n = "%05d" % i
        surname = "A" + token(i % groups) + "on"
        first = given[i % len(given)]
        out.write(
            f"dn: uid=user{n},ou=people,{base}\nobjectClass: inetOrgPerson\nuid: user{n}\n"
            f"cn: {first} {surname}\nsn: {surname}\ngivenName: {first}\nmail: user{n}@example.com\n"
            f"telephoneNumber: +1 555 {i:06d}\nmobile: +1 555 9{i:06d}\ntitle: Engineer\n"
            f"userPassword: {ssha('password-' + n)}\n\n")
with open(filters, "w") as out:
    for g in range(min(groups, 200)):
        j = (g * 37 + 11) % count
        out.write(f"(|(cn=*{token(g)}*)(telephoneNumber=*{j:06d}*))\n")
# Short digit substrings, as phones type them: against the aliases (10000 + i) presented as
# telephoneNumber they match a few hundred people each.
with open(filters.replace("-filters.txt", "-alias-filters.txt"), "w") as out:
    for g in range(min(groups, 200)):
        out.write(f"(|(cn=*{token(g)}*)(telephoneNumber=*{(g * 7 + 100) % 1000:03d}*))\n")
PY
}

upstream_conf() {  # dir port
    cat <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload back_monitor
moduleload syncprov
pidfile $1/slapd.pid
argsfile $1/slapd.args
database mdb
maxsize 1073741824
suffix "$base"
rootdn "cn=admin,$base"
rootpw bench-admin-secret
directory $1
index objectClass eq
index uid eq
index cn sub
index telephoneNumber sub
index entryUUID eq
index entryCSN eq
# A replica reads the whole subtree: its service account needs no size limit (as a syncrepl
# consumer's identity would).
limits dn.exact="cn=veneer-service,ou=services,$base" size=unlimited
overlay syncprov
syncprov-checkpoint 1000 10
syncprov-sessionlog 10000
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
database monitor
access to * by * read
CONF
}

# Searches A has completed (cn=Monitor), to show what C asks of it while it is measured.
upstream_searches() {  # port
    ldapsearch -x -LLL -H "ldap://127.0.0.1:$1" -b "cn=Search,cn=Operations,cn=Monitor" -s base monitorOpCompleted 2>/dev/null \
        | awk '/^monitorOpCompleted:/ {print $2}'
}

wait_for() {  # port
    for _ in $(seq 1 100); do
        if ldapsearch -x -H "ldap://127.0.0.1:$1" -b "" -s base -LLL 1.1 >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "bench.sh: nothing answers on port $1" >&2
    exit 1
}

start_upstream() {  # name count port
    local dir="$state/db-$1"
    mkdir -p "$dir"
    generate "$2" "$state/$1.ldif" "$state/$1-filters.txt"
    upstream_conf "$dir" "$3" > "$state/$1-slapd.conf"
    slapadd -q -f "$state/$1-slapd.conf" -l "$state/$1.ldif"
    "$slapd" -d 0 -h "ldap://127.0.0.1:$3/" -f "$state/$1-slapd.conf" >"$state/$1-slapd.log" 2>&1 &
    pids+=($!)
    eval "pid_$1=$!"
    wait_for "$3"
}

start_backldap() {  # port upstream-port
    cat > "$state/backldap-slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_ldap
pidfile $state/backldap-slapd.pid
argsfile $state/backldap-slapd.args
database ldap
suffix "$base"
uri "ldap://127.0.0.1:$2/"
CONF
    "$slapd" -d 0 -h "ldap://127.0.0.1:$1/" -f "$state/backldap-slapd.conf" >"$state/backldap-slapd.log" 2>&1 &
    pids+=($!)
    pid_backldap=$!
    wait_for "$1"
}

start_veneer() {  # name port upstream-port [extra toml]
    printf 'service-secret\n' > "$state/service-password"
    chmod 600 "$state/service-password"
    cp -r "$root/conf/presets" "$state/"
    cat > "$state/$1.toml" <<CONF
[[listener]]
address = "127.0.0.1"
port = $2
security = "plain"

[limits]
max_connections = 20000

[upstream]
preset = "openldap"
servers = ["ldap://127.0.0.1:$3"]
start_tls = false
bind_dn = "cn=veneer-service,ou=services,$base"
bind_password_file = "service-password"
base_dn = "$base"

[store]
path = "$1.sqlite"
secret_key_file = "$1.key"
create_secret_key = true

# Phones search the directory anonymously (off by default in front of an upstream).
[directory]
allow_anonymous = true
${4:-}

# The proxy path is measured without users getting locked part-way through the
# wrong-password rounds (a threshold no round reaches); --locked measures locked accounts on
# their own, with lockout rows written into the store.
[[zone]]
name = "external"
lockout_threshold = 1000
# Every benchmark client comes from 127.0.0.1: room for the 10,000 idle connections.
max_connections_per_address = 20000

[[zone]]
name = "trusted"
networks = ["127.0.0.2"]
detailed_errors = true
lockout = false

# An office network: lockout on, refusals say why and are not padded to a password check's
# time (detailed_errors); --locked measures locked accounts from here too.
[[zone]]
name = "office"
networks = ["127.0.0.3"]
detailed_errors = true
lockout_threshold = 1000

[logging]
# info logs one line per bind; the benchmark measures the proxy, not stderr.
level = "warning"
CONF
    local started=$SECONDS
    "$veneer" serve --config "$state/$1.toml" >"$state/$1.log" 2>&1 &
    pids+=($!)
    eval "pid_$1=$!"
    wait_for "$2"
    wait_for_replica "$1" "$started"
}

# In replica mode: until the first full load is stored (searches are served from it after).
wait_for_replica() {  # name started-at
    local status
    status=$("$veneer" sync status --json --config "$state/$1.toml" 2>/dev/null) || return 0  # live mode
    for _ in $(seq 1 1200); do
        if printf '%s' "$status" | tr -d ' \n' | grep -q '"loaded":true'; then
            local pid
            eval "pid=\$pid_$1"
            echo "  $1: replica loaded in $((SECONDS - $2)) s ($(printf '%s' "$status" | tr -d ' \n' | sed 's/.*"entries":\([0-9]*\).*/\1/') entries, $(printf '%s' "$status" | tr -d ' \n' | sed 's/.*"method":"\([^"]*\)".*/\1/')), RSS $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MiB"
            return 0
        fi
        sleep 0.1
        status=$("$veneer" sync status --json --config "$state/$1.toml" 2>/dev/null)
    done
    echo "bench.sh: $1's replica did not load" >&2
    exit 1
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -m | awk '/Mem:/ {print $2}') MiB"
echo "== starting A (slapd mdb, $users users), B (slapd back-ldap), C (Veneer)"
start_upstream small "$users" 4890
start_backldap 4891 4890
start_veneer veneer 4892 4890
declare -A url=([A]=ldap://127.0.0.1:4890 [B]=ldap://127.0.0.1:4891 [C]=ldap://127.0.0.1:4892)
labels="A B C"
if [ "${live:-0}" = 1 ]; then
    start_veneer live 4896 4890 'mode = "live"'
    url[L]=ldap://127.0.0.1:4896
    labels="A B C L"
fi
if [ "${metrics:-0}" = 1 ]; then
    start_veneer metrics 4899 4890 $'\n[metrics]\nport = 9399'
    url[M]=ldap://127.0.0.1:4899
    labels="$labels M"
    # Scraped every second for as long as it runs (the gauges are computed per scrape).
    ( while kill -0 "$pid_metrics" 2>/dev/null; do curl -s -o /dev/null http://127.0.0.1:9399/metrics; sleep 1; done ) &
    pids+=($!)
fi
if [ "${aliases:-0}" = 1 ]; then
    start_veneer alias 4895 4890 $'\n[overlay]\npresent_aliases_as = ["telephoneNumber"]'
    url[C-alias]=ldap://127.0.0.1:4895
    /usr/bin/python3 - "$state/alias.sqlite" "$base" <<'PY'
import sqlite3, subprocess, sys
db, base = sys.argv[1], sys.argv[2]
out = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", "ldap://127.0.0.1:4890", "-D", "cn=admin," + base, "-w", "bench-admin-secret",
                      "-b", base, "(uid=user*)", "uid", "entryUUID"], capture_output=True, text=True, check=True).stdout
people = {}
for record in out.split("\n\n"):
    fields = dict(l.split(": ", 1) for l in record.splitlines() if ": " in l)
    if "uid" in fields and "entryUUID" in fields:
        people[int(fields["uid"][4:])] = fields["entryUUID"].strip().lower()
c = sqlite3.connect(db)
c.executemany("INSERT OR IGNORE INTO overlay (entry_id, active, updated_at) VALUES (?, 1, '2026-01-01T00:00:00.000Z')", [(i,) for i in people.values()])
c.executemany("INSERT OR IGNORE INTO overlay_alias (entry_id, alias, position) VALUES (?, ?, 0)", [(i, str(10000 + n)) for n, i in people.items()])
c.commit()
print(f"  {len(people)} aliases in {db}")
PY
    sleep 2  # the running Veneer reloads the store after another process's commit
fi
if [ "$serve" = 1 ]; then
    echo "A ${url[A]} (pid $pid_small)  B ${url[B]} (pid $pid_backldap)  C ${url[C]} (pid $pid_veneer); filters: $state/small-filters.txt"
    wait
    exit 0
fi

results="$state/results.jsonl"
: > "$results"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime
# CPU seconds per wall second of a round (warm-up included), e.g. 0.93 = most of a core.
cores_used() { /usr/bin/python3 -c "import sys; print('%.2f' % ((int(sys.argv[2]) - int(sys.argv[1])) / int(sys.argv[3]) / float(sys.argv[4])))" "$1" "$2" "$(getconf CLK_TCK)" "$3"; }
bench() {  # label url workload connections users filters extra...
    local label=$1 target=$2 workload=$3 conns=$4 count=$5 filters=$6
    shift 6
    local line
    line=$("$veneer" bench --url "$target" --base "$base" --workload "$workload" -c "$conns" \
        --users "$count" --warmup "$warmup" --duration "$duration" --filter-file "$filters" --json "$@") || line='{"ops_per_s":0,"p99_us":0,"errors":-1}'
    printf '{"target":"%s","size":%s,%s\n' "$label" "$count" "${line#\{}" >> "$results"
    printf '  %-2s %-10s c=%-3s %s\n' "$label" "$workload" "$conns" \
        "$(/usr/bin/python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print("%8.0f ops/s  p99 %7.0f us  errors %s  entries/search %.1f %s" % (r["ops_per_s"], r["p99_us"], r["errors"], r.get("entries_per_search",0), ("" if not r.get("first_error") else "  first error: "+r["first_error"])))' "$line")"
}

for conns in $connections; do
    for workload in $workloads; do
        echo "== $workload, $conns connections"
        for round in $(seq 1 "$rounds"); do
            for label in $labels; do
                [ "$label" = C ] && searches_before=$(upstream_searches 4890)
                [ "$label" = C ] && { c_cpu=$(cpu_ticks "$pid_veneer"); a_cpu=$(cpu_ticks "$pid_small"); }
                bench "$label" "${url[$label]}" "$workload" "$conns" "$users" "$state/small-filters.txt"
                [ "$label" = C ] && echo "     CPU cores during the C round: C (Veneer) $(cores_used "$c_cpu" "$(cpu_ticks "$pid_veneer")" "$((warmup + duration))"), A (upstream) $(cores_used "$a_cpu" "$(cpu_ticks "$pid_small")" "$((warmup + duration))")"
                [ "$label" = C ] && case $workload in search-uid|phonebook)
                    echo "     A served $(( $(upstream_searches 4890) - searches_before - 1 )) searches while C ran $workload" ;; esac
            done
        done
    done
done

if [ "${aliases:-0}" = 1 ]; then
    for conns in $connections; do
        echo "== phonebook with aliases presented as telephoneNumber, $conns connections"
        for round in $(seq 1 "$rounds"); do
            for label in A B C; do
                target=${url[$label]}
                [ "$label" = C ] && target=${url[C-alias]}
                bench "$label-alias" "$target" phonebook "$conns" "$users" "$state/small-alias-filters.txt"
            done
        done
    done
fi

if [ "${digest:-0}" = 1 ]; then
    echo "== SIP registrar digest lookup: D (slapd holding H.350 entries) vs C-digest (Veneer)"
    # D: the same people with SIPIdentity and a digest each, in slapd itself.
    /usr/bin/python3 - "$state/small.ldif" "$state/digest.ldif" <<'PY'
import sys
source, target = sys.argv[1], sys.argv[2]
out = []
for record in open(source).read().split("\n\n"):
    lines = record.strip().splitlines()
    if lines and lines[0].startswith("dn: uid=user"):
        uid = lines[0].split(",")[0][len("dn: uid="):]
        # Next to the structural class: slapadd -q reads the object classes from the first lines.
        lines.insert(2, "objectClass: SIPIdentity")
        lines += [f"SIPIdentityUserName: {uid}", f"SIPIdentityPassword: {uid}-digest-0123456789abcdef"]
    if lines:
        out.append("\n".join(lines))
open(target, "w").write("\n\n".join(out) + "\n")
PY
    mkdir -p "$state/db-digest"
    upstream_conf "$state/db-digest" 4897 | sed "s|^include /etc/ldap/schema/nis.schema|include /etc/ldap/schema/nis.schema\ninclude $root/schemas/h350-sipidentity.schema|; s|^index entryUUID eq|index entryUUID eq\nindex SIPIdentityUserName eq|" > "$state/digest-slapd.conf"
    slapadd -q -f "$state/digest-slapd.conf" -l "$state/digest.ldif"
    "$slapd" -d 0 -h "ldap://127.0.0.1:4897/" -f "$state/digest-slapd.conf" >"$state/digest-slapd.log" 2>&1 &
    pids+=($!)
    wait_for 4897
    # C-digest: digests set through Veneer by each user (ldappasswd), read by an anonymous
    # registrar (a persistent registrar connection binds once; the lookups are what is measured).
    start_veneer cdigest 4898 4890 $'\n[overlay.digest]\nrealm = "example.com"\n\n[[access]]\nwho = "anonymous"\nread = ["SIPIdentityPassword"]'
    seq 0 999 | xargs -P 8 -I{} sh -c 'n=$(printf %05d {}); ldappasswd -x -H ldap://127.0.0.1:4898 -D "uid=user$n,ou=people,'"$base"'" -w "password-$n" -s "sip-$n" >/dev/null' \
        || echo "bench.sh: some digests could not be set" >&2
    for n in $(seq 0 999); do printf '(&(objectClass=SIPIdentity)(SIPIdentityUserName=user%05d))\n' "$n"; done > "$state/digest-filters.txt"
    for round in $(seq 1 "$rounds"); do
        bench D ldap://127.0.0.1:4897 phonebook 4 "$users" "$state/digest-filters.txt" --base "ou=people,$base" --attributes SIPIdentityPassword
        bench C-digest ldap://127.0.0.1:4898 phonebook 4 "$users" "$state/digest-filters.txt" --base "ou=people,$base" --attributes SIPIdentityPassword
    done
fi

# How long a change made on A takes to be visible through C (content sync, persist): each
# change is one ldapmodify on A, then C is searched every 5 ms until it answers with it.
echo "== change visibility through C (RFC 4533 persist)"
/usr/bin/python3 - "$base" "$state/sync-latency.json" <<'PY'
import json, statistics, subprocess, sys, time
base, out = sys.argv[1], sys.argv[2]
latencies = []
for i in range(40):
    value = f"+1 555 77{i:04d}{int(time.time()) % 10000:04d}"
    change = f"dn: uid=user{i:05d},ou=people,{base}\nchangetype: modify\nreplace: mobile\nmobile: {value}\n"
    start = time.monotonic()
    subprocess.run(["ldapmodify", "-x", "-H", "ldap://127.0.0.1:4890", "-D", "cn=admin," + base, "-w", "bench-admin-secret"],
                   input=change, text=True, capture_output=True, check=True)
    while True:
        found = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", "ldap://127.0.0.1:4892", "-b", base, f"(mobile={value})", "1.1"],
                               capture_output=True, text=True).stdout
        if "dn:" in found:
            break
        if time.monotonic() - start > 10:
            break
        time.sleep(0.005)
    latencies.append(time.monotonic() - start)
latencies.sort()
q = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
summary = {"changes": len(latencies), "p50_ms": q(0.5), "p90_ms": q(0.9), "max_ms": latencies[-1] * 1000}
json.dump(summary, open(out, "w"))
print("  %d changes: p50 %.0f ms, p90 %.0f ms, max %.0f ms (each includes ldapmodify and ldapsearch process start)" % (len(latencies), summary["p50_ms"], summary["p90_ms"], summary["max_ms"]))
PY

# Binds on accounts Veneer has locked: every user's lockout row is written into C's store
# (the running Veneer picks it up within a second), then wrong-password binds go to A
# directly and to C, which refuses them from memory without asking A (that no upstream bind
# happens is proven by ZoneLockoutTests, which counts slapd's BIND lines). From 127.0.0.1
# (the external zone) C pads each refusal to about a real check's time, so locked and
# unknown names cannot be told apart from wrong passwords by timing; from 127.0.0.3 (the
# office zone, detailed_errors) it answers at once.
if [ "${locked:-0}" = 1 ]; then
    echo "== binds on accounts Veneer has locked"
    until=$(date -u -d '+1 day' +%Y-%m-%dT%H:%M:%S.000Z)
    now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
    /usr/bin/python3 - "$state/veneer.sqlite" "$users" "$base" "$until" "$now" <<'PY'
import sqlite3, subprocess, sys
db, users, base, until, now = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
# entryUUIDs of the users, as Veneer keys its rows.
out = subprocess.run(["ldapsearch", "-x", "-LLL", "-H", "ldap://127.0.0.1:4890", "-D", "cn=admin," + base, "-w", "bench-admin-secret",
                      "-b", base, "(uid=user*)", "entryUUID"],
                     capture_output=True, text=True, check=True).stdout
ids = [l.split(": ", 1)[1].strip().lower() for l in out.splitlines() if l.lower().startswith("entryuuid:")]
c = sqlite3.connect(db)
c.executemany("INSERT OR REPLACE INTO lockout_state (entry_id, failure_count, first_failure_at, last_failure_at, last_failed_fingerprint, locked_until) VALUES (?, 5, ?, ?, NULL, ?)",
              [(i, now, now, until) for i in ids])
c.commit()
print(f"  locked {len(ids)} accounts in {db}")
PY
    sleep 2
    # Accounts get locked by failed binds through Veneer, which looked their names up then;
    # here they were locked behind its back, so one unmeasured pass lets it learn the names.
    bench C-locked-learn "${url[C]}" bind-wrong 8 "$users" "$state/small-filters.txt" --source-address 127.0.0.3
    for round in $(seq 1 "$rounds"); do
        bench A "${url[A]}" bind 8 "$users" "$state/small-filters.txt"
        bench A "${url[A]}" bind-wrong 8 "$users" "$state/small-filters.txt"
        bench C-locked "${url[C]}" bind-wrong 8 "$users" "$state/small-filters.txt"
        # The upstream's CPU time across the round: near zero when C asked it nothing.
        before=$(cpu_ticks "$pid_small")
        bench C-locked-office "${url[C]}" bind-wrong 8 "$users" "$state/small-filters.txt" --source-address 127.0.0.3
        echo "     A (upstream) CPU during C-locked-office: $(( ($(cpu_ticks "$pid_small") - before) * 1000 / $(getconf CLK_TCK) )) ms"
    done
fi

# Idle connections: RSS of each server while the load generator holds them open.
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
if [ "$idle" -gt 0 ]; then
    echo "== $idle idle connections"
    for label in A B C; do
        case $label in
            A) pid=$pid_small ;;
            B) pid=$pid_backldap ;;
            C) pid=$pid_veneer ;;
        esac
        before=$(rss "$pid")
        "$veneer" bench --url "${url[$label]}" --base "$base" --workload idle -c "$idle" --users "$users" \
            --warmup 2 --duration 6 --json > "$state/idle-$label.json" &
        bench_pid=$!
        sleep 6
        during=$(rss "$pid")
        wait "$bench_pid" || true
        printf '{"target":"%s","idle_connections":%s,"rss_before_kib":%s,"rss_idle_kib":%s,"bench":%s}\n' \
            "$label" "$idle" "$before" "$during" "$(cat "$state/idle-$label.json")" >> "$state/idle.jsonl"
        printf '  %s RSS %6d KiB before, %6d KiB with %s idle connections\n' "$label" "$before" "$during" "$idle"
    done
fi

if [ "$big" = 1 ]; then
    echo "== size independence: 100000 users (A' slapd on 4893, C' Veneer on 4894)"
    start_upstream big 100000 4893
    start_veneer veneer_big 4894 4893
    for workload in search-uid phonebook; do
        for round in $(seq 1 "$rounds"); do
            bench A "${url[A]}" "$workload" 8 "$users" "$state/small-filters.txt"
            bench A ldap://127.0.0.1:4893 "$workload" 8 100000 "$state/big-filters.txt"
            bench C "${url[C]}" "$workload" 8 "$users" "$state/small-filters.txt"
            bench C ldap://127.0.0.1:4894 "$workload" 8 100000 "$state/big-filters.txt"
        done
    done
fi

/usr/bin/python3 - "$results" "$state/idle.jsonl" "$state/summary.md" <<'PY'
import json, os, statistics, sys
results, idle_file, summary = sys.argv[1:4]
runs = [json.loads(l) for l in open(results) if l.strip()]
def med(values): return statistics.median(values) if values else float("nan")
groups = {}
for r in runs:
    groups.setdefault((r["workload"], r["connections"], r["size"], r["target"]), []).append(r)
out = []
sizes = sorted({r["size"] for r in runs})
small = sizes[0] if sizes else 0
out.append("| workload | conns | A ops/s | B ops/s | C ops/s | L ops/s | B/A | C/A | L/A | A p99 ms | B p99 ms | C p99 ms | C−A p99 ms | errors A/B/C/L |")
out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
keys = sorted({(w, c) for (w, c, s, t) in groups if s == small}, key=lambda k: (k[1], ["search-uid","phonebook","bind","bind-wrong","mix"].index(k[0]) if k[0] in ["search-uid","phonebook","bind","bind-wrong","mix"] else 9))
for w, c in keys:
    row = {}
    for t in "ABCL":
        rs = groups.get((w, c, small, t), [])
        row[t] = (med([r["ops_per_s"] for r in rs]), med([r["p99_us"] / 1000 for r in rs]), sum(max(0, r["errors"]) for r in rs))
    a = row["A"][0]
    out.append(f"| {w} | {c} | {row['A'][0]:.0f} | {row['B'][0]:.0f} | {row['C'][0]:.0f} | {row['L'][0]:.0f} | {row['B'][0]/a if a else 0:.2f} | {row['C'][0]/a if a else 0:.2f} | {row['L'][0]/a if a else 0:.2f} | {row['A'][1]:.2f} | {row['B'][1]:.2f} | {row['C'][1]:.2f} | {row['C'][1]-row['A'][1]:+.2f} | {row['A'][2]}/{row['B'][2]}/{row['C'][2]}/{row['L'][2]} |")
if any(t == "M" for (w, c, s, t) in groups):
    out.append("")
    out.append("| with [metrics] scraped every second | conns | C ops/s | M ops/s | M/C | M/A | C p99 ms | M p99 ms |")
    out.append("|---|---|---|---|---|---|---|---|")
    for w, c in keys:
        v = {t: groups.get((w, c, small, t), []) for t in "ACM"}
        o = {t: med([r["ops_per_s"] for r in v[t]]) for t in "ACM"}
        p = {t: med([r["p99_us"] / 1000 for r in v[t]]) for t in "CM"}
        if v["M"]:
            out.append(f"| {w} | {c} | {o['C']:.0f} | {o['M']:.0f} | {o['M']/o['C'] if o['C'] else 0:.2f} | {o['M']/o['A'] if o['A'] else 0:.2f} | {p['C']:.2f} | {p['M']:.2f} |")
if len(sizes) > 1:
    big = sizes[-1]
    out.append("")
    out.append(f"| size check (8 conns) | A {small} | A {big} | A {big}/{small} | C {small} | C {big} | C {big}/{small} | C p99 ms {small} / {big} |")
    out.append("|---|---|---|---|---|---|---|---|")
    for w in ("search-uid", "phonebook"):
        v = {}
        for t in "AC":
            for s in (small, big):
                rs = groups.get((w, 8, s, t), [])
                v[t, s] = (med([r["ops_per_s"] for r in rs]), med([r["p99_us"] / 1000 for r in rs]))
        out.append(f"| {w} | {v['A',small][0]:.0f} | {v['A',big][0]:.0f} | {v['A',big][0]/v['A',small][0] if v['A',small][0] else 0:.2f} | {v['C',small][0]:.0f} | {v['C',big][0]:.0f} | {v['C',big][0]/v['C',small][0] if v['C',small][0] else 0:.2f} | {v['C',small][1]:.2f} / {v['C',big][1]:.2f} |")
alias_keys = sorted({c for (w, c, s, t) in groups if t == "C-alias"})
if alias_keys:
    out.append("")
    out.append("| phonebook, aliases presented as telephoneNumber | conns | A ops/s | B ops/s | C ops/s | B/A | C/A | C p99 ms | errors A/B/C |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for c in alias_keys:
        v = {t: groups.get(("phonebook", c, small, t + "-alias"), []) for t in "ABC"}
        ops = {t: med([r["ops_per_s"] for r in v[t]]) for t in "ABC"}
        p99 = med([r["p99_us"] / 1000 for r in v["C"]])
        errors = "/".join(str(sum(max(0, r["errors"]) for r in v[t])) for t in "ABC")
        out.append(f"| 3-digit substrings | {c} | {ops['A']:.0f} | {ops['B']:.0f} | {ops['C']:.0f} | {ops['B']/ops['A'] if ops['A'] else 0:.2f} | {ops['C']/ops['A'] if ops['A'] else 0:.2f} | {p99:.2f} | {errors} |")
if os.path.exists(idle_file):
    out.append("")
    out.append("| idle connections | target | RSS before MiB | RSS with them open MiB | opened |")
    out.append("|---|---|---|---|---|")
    for line in open(idle_file):
        r = json.loads(line)
        out.append(f"| {r['idle_connections']} | {r['target']} | {r['rss_before_kib']/1024:.1f} | {r['rss_idle_kib']/1024:.1f} | {r['bench'].get('connections_opened')} |")
text = "\n".join(out)
print(text)
open(summary, "w").write(text + "\n")
PY
