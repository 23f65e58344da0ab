#!/usr/bin/env bash
# The README's run command: starts a demo OpenLDAP upstream (slapd on 127.0.0.1:3890 with 50
# people) and Veneer in front of it (conf/demo.toml, ldap://127.0.0.1:3389). Ctrl-C stops both.
#   bash Tests/Scripts/demo.sh
# Then, in another terminal:
#   ldapsearch -x -H ldap://127.0.0.1:3389 -b dc=example,dc=org "(uid=user0001)"
#   ldapwhoami -x -H ldap://127.0.0.1:3389 -D user0001 -w password-0001
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

if ! command -v slapd >/dev/null && [ ! -x /usr/sbin/slapd ]; then
    echo "demo.sh: needs slapd and ldap-utils (apt-get install slapd ldap-utils)" >&2
    exit 1
fi

state="$root/var/demo"
rm -rf "$state"
mkdir -p "$state/db"
base="dc=example,dc=com"

cat > "$state/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile $state/slapd.pid
database mdb
suffix "$base"
rootdn "cn=admin,$base"
rootpw demo-admin-secret
directory $state/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
CONF

{
    printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n' "$base"
    for ou in people services; do printf 'dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n' "$ou" "$base" "$ou"; done
    printf 'dn: cn=veneer-service,ou=services,%s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: veneer-service\nuserPassword: service-secret\n\n' "$base"
    for i in $(seq 0 49); do
        n=$(printf '%04d' "$i")
        printf 'dn: uid=user%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: user%s\ncn: Demo User %s\nsn: User %s\ngivenName: Demo\nmail: user%s@example.com\ntelephoneNumber: +1 555-01 %s\nmobile: +1 (555) 02-%s\nuserPassword: password-%s\n\n' \
            "$n" "$base" "$n" "$n" "$n" "$n" "$n" "$n" "$n"
    done
} > "$state/demo.ldif"

slapadd -q -f "$state/slapd.conf" -l "$state/demo.ldif"
printf 'service-secret\n' > "$state/service-password"
chmod 600 "$state/service-password"

/usr/sbin/slapd -f "$state/slapd.conf" -h "ldap://127.0.0.1:3890/"
trap 'kill "$(cat "$state/slapd.pid")" 2>/dev/null || true' EXIT
echo "demo upstream: slapd on ldap://127.0.0.1:3890 ($base, 50 people)"

swift run veneer serve --config conf/demo.toml
