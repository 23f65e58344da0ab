#!/usr/bin/python3
"""Rough throughput of equality searches and binds against two LDAP URLs, measured in the
same run so the ratio means something (a precursor of `veneer bench`, issue 6).

    /usr/bin/python3 Tests/Scripts/quick-bench.py --seconds 10 --threads 8 \
        --a ldap://127.0.0.1:PORT_SLAPD --a-base dc=example,dc=com \
        --b ldap://127.0.0.1:PORT_VENEER --b-base dc=example,dc=org --users 50

Needs python3-ldap (Debian). Each thread keeps one connection and runs a closed loop.
"""
import argparse
import random
import threading
import time

import ldap


def worker(url, base, users, deadline, mode, bind_dn_template, counts, index):
    conn = ldap.initialize(url)
    conn.protocol_version = 3
    done = 0
    while time.monotonic() < deadline:
        user = random.randrange(users)
        uid = "user%04d" % user
        if mode == "search":
            conn.search_s(base, ldap.SCOPE_SUBTREE, "(uid=%s)" % uid, ["cn", "mail", "telephoneNumber", "sn", "givenName"])
        else:
            conn.simple_bind_s(bind_dn_template % (uid, base), "password-%04d" % user)
        done += 1
    counts[index] = done
    conn.unbind_s()


def run(url, base, args, mode):
    counts = [0] * args.threads
    deadline = time.monotonic() + args.seconds
    threads = [threading.Thread(target=worker, args=(url, base, args.users, deadline, mode, args.bind_dn, counts, i)) for i in range(args.threads)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True)
    parser.add_argument("--a-base", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--b-base", required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bind-dn", default="uid=%s,ou=people,%s")
    args = parser.parse_args()
    for mode in ("search", "bind"):
        a_rates, b_rates = [], []
        for _ in range(args.rounds):  # interleaved A/B rounds
            a_rates.append(run(args.a, args.a_base, args, mode))
            b_rates.append(run(args.b, args.b_base, args, mode))
        a, b = sorted(a_rates)[len(a_rates) // 2], sorted(b_rates)[len(b_rates) // 2]
        print("%-6s A %8.0f ops/s   B %8.0f ops/s   B/A %.2f" % (mode, a, b, b / a if a else 0))


if __name__ == "__main__":
    main()
