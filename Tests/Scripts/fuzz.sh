#!/usr/bin/env bash
# Fuzzes the LDAP codec with libFuzzer (see README "Fuzzing").
#   Tests/Scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
# Builds LDAPFuzz with -DFUZZING, ASan and coverage instrumentation in its own scratch path
# (.build-fuzz, so the normal build is untouched), seeds it with the captured real PDUs and
# runs it for SECONDS (default 900). New corpus entries go to .build-fuzz/corpus; a crash is
# written to fuzz-artifacts/ — copy it to Tests/LDAPCoreTests/Fixtures/fuzz-crashers/ and add
# a regression test.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-900}"
shift || true

toolchain="$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")"
fuzzer_lib="$(ls "$toolchain"/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -n 1)"

swift build -c release --scratch-path .build-fuzz --product LDAPFuzz \
    -Xswiftc -DFUZZING \
    -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xlinker "$fuzzer_lib" -Xlinker -lstdc++

mkdir -p .build-fuzz/corpus fuzz-artifacts
exec .build-fuzz/release/LDAPFuzz .build-fuzz/corpus Sources/LDAPFuzz/corpus \
    -max_total_time="$seconds" -max_len=8192 -artifact_prefix=fuzz-artifacts/ -print_final_stats=1 "$@"
