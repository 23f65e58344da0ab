#!/usr/bin/env python3
"""Capture real LDAPv3 PDUs exchanged between OpenLDAP's client tools and slapd.

The script does everything itself and can be re-run at will:

  1. makes a temporary directory with a slapd.conf (mdb, dc=example,dc=com, the ppolicy,
     sssvlv, syncprov and deref overlays when their modules exist) and an LDIF of test
     data, loads it with slapadd and starts slapd on a free loopback port;
  2. runs a TCP relay (sockets + threads) between the clients and slapd that cuts each
     direction's byte stream into whole BER PDUs (outer 0x30 TLV, definite length) and
     records them with their direction;
  3. runs the named scenarios below through the relay, each a real client command
     (ldap-utils, and python-ldap for abandon/cancel when /usr/bin/python3 has it);
  4. writes
       Tests/LDAPCoreTests/Fixtures/CapturedPDUs.swift   (generated Swift fixtures)
       Tests/LDAPCoreTests/Fixtures/CAPTURED.md          (what was captured, decoded)
       Sources/LDAPFuzz/corpus/<scenario>-<c2s|s2c>-<index>.ber   (fuzz seeds)
  5. stops slapd and removes the temporary directory, also on failure.

Only the standard library is used, except by the python-ldap client mode
(--python-ldap-client), which the script runs under /usr/bin/python3 itself.

Usage: Tests/Scripts/capture-pdus.py [--keep] [--verbose] [--root REPO_ROOT]
Needs: slapd, ldap-utils (Debian packages); optional python3-ldap, libsasl2-modules.
"""

import argparse
import base64
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SUFFIX = "dc=example,dc=com"
ADMIN = "cn=admin," + SUFFIX
PASSWORD = "secret"
PEOPLE = "ou=people," + SUFFIX
MODULE_DIR = "/usr/lib/ldap"
SCHEMA_DIR = "/etc/ldap/schema"
SYSTEM_PYTHON = "/usr/bin/python3"
MAX_PDUS_PER_SCENARIO = 40
URI = "{URI}"  # placeholder for the relay's URI in scenario commands
DIRECT = "{DIRECT}"  # placeholder for slapd's own URI (side effects, not recorded)
SCRIPT_DISPLAY = "Tests/Scripts/capture-pdus.py"

# ----------------------------------------------------------------------------------------
# python-ldap client mode (runs under /usr/bin/python3, started by the capture itself)
# ----------------------------------------------------------------------------------------


def python_ldap_client(mode, url):
    """Binds, starts a search, abandons or cancels it, does a WhoAmI and unbinds.

    The search is a refreshAndPersist sync search, so that it is surely still running when
    the abandon/cancel arrives (a plain search of this small tree often completes first,
    which makes the capture vary from run to run)."""
    import ldap  # noqa: only available to the system python with python3-ldap
    from ldap.syncrepl import SyncRequestControl

    conn = ldap.initialize(url)
    conn.protocol_version = 3
    conn.simple_bind_s(ADMIN, PASSWORD)
    msgid = conn.search_ext(PEOPLE, ldap.SCOPE_SUBTREE, "(uid=jdoe)", ["uid"],
                            serverctrls=[SyncRequestControl(mode="refreshAndPersist")])
    time.sleep(1.0)  # let the refresh phase finish: the search is now persisting
    if mode == "abandon":
        conn.abandon(msgid)
    elif mode == "cancel":
        try:
            conn.cancel_s(msgid)
        except ldap.LDAPError as error:
            print("cancel:", error.__class__.__name__, file=sys.stderr)
        try:
            while True:
                conn.result4(msgid, all=0, timeout=2, add_intermediates=1)
        except ldap.CANCELLED:
            pass  # the expected end of the search
        except ldap.LDAPError as error:
            print("search:", error.__class__.__name__, file=sys.stderr)
    else:
        raise SystemExit("unknown mode " + mode)
    # A round trip after the abandon/cancel, so it is surely on the wire before the unbind.
    conn.whoami_s()
    conn.unbind_s()


# ----------------------------------------------------------------------------------------
# BER walker and LDAP describer
# ----------------------------------------------------------------------------------------


class BERError(Exception):
    pass


class TLV:
    __slots__ = ("cls", "constructed", "number", "raw_tag", "raw_len", "length", "value",
                 "children", "start", "end")

    def minimal_len(self):
        n = self.length
        if n < 0x80:
            return bytes([n])
        body = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return bytes([0x80 | len(body)]) + body

    def is_minimal(self):
        return self.raw_len == self.minimal_len()

    def ctx(self, n):
        return self.cls == 2 and self.number == n

    def __repr__(self):
        return "TLV(cls=%d,cons=%s,num=%d,len=%d)" % (self.cls, self.constructed, self.number,
                                                      self.length)


def parse_tlv(buf, off=0, end=None, recurse=True):
    """Parses one TLV at buf[off:], returns (tlv, next_offset). Raises BERError."""
    if end is None:
        end = len(buf)
    start = off
    if off >= end:
        raise BERError("no tag at %d" % off)
    first = buf[off]
    off += 1
    number = first & 0x1F
    if number == 0x1F:  # high tag number form
        number = 0
        while True:
            if off >= end:
                raise BERError("truncated tag")
            b = buf[off]
            off += 1
            number = (number << 7) | (b & 0x7F)
            if not b & 0x80:
                break
    raw_tag = bytes(buf[start:off])
    if off >= end:
        raise BERError("no length")
    lstart = off
    b = buf[off]
    off += 1
    if b == 0x80:
        raise BERError("indefinite length")
    if b & 0x80:
        n = b & 0x7F
        if n > 8 or off + n > end:
            raise BERError("bad long-form length")
        length = int.from_bytes(buf[off:off + n], "big")
        off += n
    else:
        length = b
    raw_len = bytes(buf[lstart:off])
    if off + length > end:
        raise BERError("value overruns its container (%d > %d)" % (off + length, end))
    t = TLV()
    t.cls = first >> 6
    t.constructed = bool(first & 0x20)
    t.number = number
    t.raw_tag = raw_tag
    t.raw_len = raw_len
    t.length = length
    t.value = bytes(buf[off:off + length])
    t.start = start
    t.end = off + length
    t.children = None
    if t.constructed and recurse:
        t.children = parse_all(t.value)
    return t, off + length


def parse_all(buf):
    out = []
    off = 0
    while off < len(buf):
        t, off = parse_tlv(buf, off)
        out.append(t)
    return out


def parse_one(buf):
    t, off = parse_tlv(buf, 0)
    if off != len(buf):
        raise BERError("%d trailing bytes" % (len(buf) - off))
    return t


def walk(t, path="", fn=None):
    fn(t, path)
    for i, c in enumerate(t.children or []):
        walk(c, "%s/%d" % (path, i), fn)


def ber_int(t):
    return int.from_bytes(t.value, "big", signed=True) if t.value else 0


def ber_str(t):
    return t.value.decode("utf-8", "backslashreplace")


OPS = {0: "BindRequest", 1: "BindResponse", 2: "UnbindRequest", 3: "SearchRequest",
       4: "SearchResultEntry", 5: "SearchResultDone", 6: "ModifyRequest", 7: "ModifyResponse",
       8: "AddRequest", 9: "AddResponse", 10: "DelRequest", 11: "DelResponse",
       12: "ModifyDNRequest", 13: "ModifyDNResponse", 14: "CompareRequest",
       15: "CompareResponse", 16: "AbandonRequest", 19: "SearchResultReference",
       23: "ExtendedRequest", 24: "ExtendedResponse", 25: "IntermediateResponse"}
RESULT_OPS = {1, 5, 7, 9, 11, 13, 15, 24}

RESULT_CODES = {0: "success", 1: "operationsError", 2: "protocolError", 3: "timeLimitExceeded",
                4: "sizeLimitExceeded", 5: "compareFalse", 6: "compareTrue",
                7: "authMethodNotSupported", 8: "strongerAuthRequired", 10: "referral",
                11: "adminLimitExceeded", 12: "unavailableCriticalExtension",
                13: "confidentialityRequired", 14: "saslBindInProgress",
                16: "noSuchAttribute", 17: "undefinedAttributeType", 18: "inappropriateMatching",
                19: "constraintViolation", 20: "attributeOrValueExists",
                21: "invalidAttributeSyntax", 32: "noSuchObject", 33: "aliasProblem",
                34: "invalidDNSyntax", 36: "aliasDereferencingProblem",
                48: "inappropriateAuthentication", 49: "invalidCredentials",
                50: "insufficientAccessRights", 51: "busy", 52: "unavailable",
                53: "unwillingToPerform", 54: "loopDetect", 64: "namingViolation",
                65: "objectClassViolation", 66: "notAllowedOnNonLeaf", 67: "notAllowedOnRDN",
                68: "entryAlreadyExists", 69: "objectClassModsProhibited",
                71: "affectsMultipleDSAs", 76: "virtualListViewError", 80: "other", 118: "canceled",
                119: "noSuchOperation", 120: "tooLate", 121: "cannotCancel",
                122: "assertionFailed", 123: "authorizationDenied"}

OIDS = {"1.2.840.113556.1.4.319": "pagedResults", "1.2.840.113556.1.4.473": "sortRequest",
        "1.2.840.113556.1.4.474": "sortResponse", "1.3.6.1.4.1.42.2.27.8.5.1": "ppolicy",
        "2.16.840.1.113730.3.4.2": "manageDsaIT", "1.3.6.1.4.1.4203.1.9.1.1": "syncRequest",
        "1.3.6.1.4.1.4203.1.9.1.2": "syncState", "1.3.6.1.4.1.4203.1.9.1.3": "syncDone",
        "1.3.6.1.4.1.4203.1.9.1.4": "syncInfo", "1.3.6.1.1.13.1": "preRead",
        "1.3.6.1.1.13.2": "postRead", "1.3.6.1.1.12": "assertion",
        "2.16.840.1.113730.3.4.9": "vlvRequest", "2.16.840.1.113730.3.4.10": "vlvResponse",
        "1.3.6.1.4.1.4203.1.11.1": "passwdModify", "1.3.6.1.4.1.4203.1.11.3": "whoami",
        "1.3.6.1.4.1.1466.20037": "StartTLS", "1.3.6.1.1.8": "cancel",
        "1.3.6.1.4.1.1466.20036": "noticeOfDisconnection",
        "1.2.826.0.1.3344810.2.3": "matchedValues", "1.3.6.1.4.1.4203.666.5.16": "deref",
        "2.16.840.1.113730.3.4.16": "authzIdRequest", "2.16.840.1.113730.3.4.15": "authzIdResponse"}

# The VLV response's own result; OpenLDAP's sssvlv uses 0x4D (LDAP_VLV_RANGE_ERROR) for a bad offset.
VLV_RESULTS = dict(RESULT_CODES)
VLV_RESULTS[77] = "offsetRangeError"

SCOPES = {0: "base", 1: "one", 2: "sub", 3: "children"}
PPOLICY_ERRORS = {0: "passwordExpired", 1: "accountLocked", 2: "changeAfterReset",
                  3: "passwordModNotAllowed", 4: "mustSupplyOldPassword",
                  5: "insufficientPasswordQuality", 6: "passwordTooShort",
                  7: "passwordTooYoung", 8: "passwordInHistory"}
SYNC_STATES = {0: "present", 1: "add", 2: "modify", 3: "delete"}
SYNC_MODES = {1: "refreshOnly", 3: "refreshAndPersist"}


def oid_name(oid):
    return "%s (%s)" % (OIDS[oid], oid) if oid in OIDS else oid


def short(s, n=60):
    s = s.replace("\n", "\\n").replace("\r", "\\r")
    return s if len(s) <= n else s[:n - 1] + "…"


def filter_value(b):
    out = []
    for ch in b.decode("utf-8", "surrogateescape"):
        o = ord(ch)
        if ch in "*()\\" or o < 0x20 or 0xDC80 <= o <= 0xDCFF:
            out.append("\\%02x" % (o - 0xDC00 if o >= 0xDC80 else o))
        else:
            out.append(ch)
    return "".join(out)


def render_filter(t):
    n = t.number
    if t.cls != 2:
        return "?"
    if n in (0, 1):
        return "(%s%s)" % ("&" if n == 0 else "|", "".join(render_filter(c) for c in t.children))
    if n == 2:
        return "(!%s)" % render_filter(t.children[0])
    if n in (3, 5, 6, 8):
        op = {3: "=", 5: ">=", 6: "<=", 8: "~="}[n]
        return "(%s%s%s)" % (ber_str(t.children[0]), op, filter_value(t.children[1].value))
    if n == 4:
        parts = {0: [], 1: [], 2: []}
        for s in t.children[1].children:
            parts[s.number].append(filter_value(s.value))
        initial = parts[0][0] if parts[0] else ""
        final = parts[2][0] if parts[2] else ""
        return "(%s=%s*%s%s)" % (ber_str(t.children[0]), initial,
                                 "".join(a + "*" for a in parts[1]), final)
    if n == 7:
        return "(%s=*)" % ber_str(t)
    if n == 9:
        rule = attr = ""
        value = b""
        dn = False
        for c in t.children:
            if c.number == 1:
                rule = ber_str(c)
            elif c.number == 2:
                attr = ber_str(c)
            elif c.number == 3:
                value = c.value
            elif c.number == 4:
                dn = c.value not in (b"", b"\x00")
        return "(%s%s%s:=%s)" % (attr, ":dn" if dn else "", ":" + rule if rule else "",
                                 filter_value(value))
    return "(?%d)" % n


def describe_control_value(oid, value, op):
    if value is None:
        return ""
    try:
        v = parse_one(value) if value else None
    except BERError:
        return " value=%d bytes (not BER)" % len(value)
    name = OIDS.get(oid)
    try:
        if name == "pagedResults":
            return " size=%d cookie=%d bytes" % (ber_int(v.children[0]), v.children[1].length)
        if name == "sortRequest":
            keys = []
            for k in v.children:
                s = ("-" if any(c.ctx(1) and c.value != b"\x00" for c in k.children[1:])
                     else "") + ber_str(k.children[0])
                for c in k.children[1:]:
                    if c.ctx(0):
                        s += ":" + ber_str(c)
                keys.append(s)
            return " keys=" + ",".join(keys)
        if name == "sortResponse":
            code = ber_int(v.children[0])
            return " sortResult=%s(%d)%s" % (RESULT_CODES.get(code, "?"), code,
                                             "".join(" attr=" + ber_str(c)
                                                     for c in v.children[1:]))
        if name == "ppolicy":
            parts = []
            for c in v.children:
                if c.ctx(0):
                    w = c.children[0]
                    parts.append("%s=%d" % ("timeBeforeExpiration" if w.number == 0
                                            else "graceAuthNsRemaining", ber_int(w)))
                elif c.ctx(1):
                    parts.append("error=%s" % PPOLICY_ERRORS.get(ber_int(c), ber_int(c)))
            return " " + (" ".join(parts) if parts else "(empty SEQUENCE)")
        if name == "syncRequest":
            s = " mode=%s" % SYNC_MODES.get(ber_int(v.children[0]), "?")
            for c in v.children[1:]:
                if c.number == 4:
                    s += " cookie=%r" % ber_str(c)
                elif c.number == 1:
                    s += " reloadHint=%s" % (c.value != b"\x00")
            return s
        if name == "syncState":
            s = " state=%s entryUUID=%d bytes" % (SYNC_STATES.get(ber_int(v.children[0]), "?"),
                                                 v.children[1].length)
            if len(v.children) > 2:
                s += " cookie=%r" % ber_str(v.children[2])
            return s
        if name == "syncDone":
            s = ""
            for c in v.children:
                if c.number == 4:
                    s += " cookie=%r" % ber_str(c)
                elif c.number == 1:
                    s += " refreshDeletes=%s" % (c.value != b"\x00")
            return s or " (empty SEQUENCE)"
        if name in ("preRead", "postRead"):
            if v.cls == 1 and v.number == 4:
                return " entry %s {%s}" % (ber_str(v.children[0]), attrs_summary(v.children[1]))
            return " attrs=" + ",".join(ber_str(c) for c in v.children)
        if name == "assertion":
            return " filter=" + render_filter(v)
        if name == "matchedValues":
            return " filters=" + "".join(render_filter(c) for c in v.children)
        if name == "vlvRequest":
            target = v.children[2]
            if target.number == 0:
                target = "byOffset(offset=%d, contentCount=%d)" % (
                    ber_int(target.children[0]), ber_int(target.children[1]))
            else:
                target = "greaterThanOrEqual(%r)" % ber_str(target)
            return " before=%d after=%d target=%s" % (ber_int(v.children[0]),
                                                     ber_int(v.children[1]), target)
        if name == "vlvResponse":
            code = ber_int(v.children[2])
            return " targetPosition=%d contentCount=%d result=%s(%d)" % (
                ber_int(v.children[0]), ber_int(v.children[1]), VLV_RESULTS.get(code, "?"), code)
        if name == "deref":
            if op == 3:
                return " " + ";".join("%s:%s" % (ber_str(s.children[0]),
                                                 ",".join(ber_str(a) for a in s.children[1].children))
                                      for s in v.children)
            return " " + ";".join("%s->%s" % (ber_str(s.children[0]), ber_str(s.children[1]))
                                  for s in v.children)
    except (IndexError, AttributeError, TypeError, BERError):
        return " value=%d bytes (unexpected shape)" % len(value)
    return " value=%d bytes" % len(value)


def attrs_summary(seq, limit=8):
    names = []
    for a in seq.children:
        vals = a.children[1].children
        names.append("%s%s" % (ber_str(a.children[0]), "" if len(vals) == 1 else "×%d" % len(vals)))
    if len(names) > limit:
        return ", ".join(names[:limit]) + ", … (%d attributes)" % len(names)
    return ", ".join(names)


def describe_result(op_tlv):
    c = op_tlv.children
    code = ber_int(c[0])
    s = "%s(%d)" % (RESULT_CODES.get(code, "?"), code)
    if c[1].length:
        s += " matchedDN=%s" % ber_str(c[1])
    if c[2].length:
        s += " msg=%r" % short(ber_str(c[2]))
    for x in c[3:]:
        if x.ctx(3):
            s += " referral=[%s]" % ", ".join(ber_str(u) for u in x.children)
        elif x.ctx(7) and op_tlv.number == 1:
            s += " serverSaslCreds=%d bytes %r" % (x.length, short(ber_str(x), 40))
        elif x.ctx(10) and op_tlv.number == 24:
            s += " responseName=%s" % oid_name(ber_str(x))
        elif x.ctx(11) and op_tlv.number == 24:
            s += " responseValue=%s" % describe_ext_value(None, x.value, response=True)
    return s


def describe_ext_value(oid, value, response=False):
    if not value:
        return "(empty)"
    try:
        v = parse_one(value)
        if v.cls == 0 and v.number == 16 and v.constructed:
            fields = []
            for c in v.children:
                if c.cls == 2:
                    fields.append("[%d]%s" % (c.number, "" if c.constructed else
                                              "=%r" % short(ber_str(c), 40)))
                else:
                    fields.append(str(ber_int(c)) if c.number == 2 else "?")
            return "SEQUENCE{%s}" % ", ".join(fields)
    except BERError:
        pass
    return "%r" % short(value.decode("utf-8", "backslashreplace"), 60)


def describe_op(op):
    n = op.number
    c = op.children
    name = OPS.get(n, "APPLICATION %d" % n)
    try:
        if n == 0:
            auth = c[2]
            if auth.ctx(0):
                kind = "simple" + (" anonymous" if not c[1].length and not auth.length else
                                   "" if auth.length else " unauthenticated")
                return "%s v%d %s name=%r" % (name, ber_int(c[0]), kind, ber_str(c[1]))
            mech = ber_str(auth.children[0])
            creds = (" creds=%d bytes" % auth.children[1].length) if len(auth.children) > 1 else \
                " (no creds)"
            return "%s v%d sasl %s name=%r%s" % (name, ber_int(c[0]), mech, ber_str(c[1]), creds)
        if n in RESULT_OPS:
            return "%s %s" % (name, describe_result(op))
        if n == 2:
            return name
        if n == 3:
            attrs = [ber_str(a) for a in c[7].children]
            return "%s base=%r scope=%s deref=%d sizeLimit=%d timeLimit=%d typesOnly=%s filter=%s attrs=[%s]" % (
                name, ber_str(c[0]), SCOPES.get(ber_int(c[1]), "?"), ber_int(c[2]), ber_int(c[3]),
                ber_int(c[4]), c[5].value != b"\x00", render_filter(c[6]), ", ".join(attrs))
        if n == 4:
            return "%s %s {%s}" % (name, ber_str(c[0]), attrs_summary(c[1]))
        if n == 19:
            return "%s [%s]" % (name, ", ".join(ber_str(u) for u in c))
        if n == 6:
            ops = {0: "add", 1: "delete", 2: "replace", 3: "increment"}
            mods = []
            for m in c[1].children:
                vals = m.children[1].children[1].children
                mods.append("%s %s(%d value%s)" % (ops.get(ber_int(m.children[0]), "?"),
                                                    ber_str(m.children[1].children[0]), len(vals),
                                                    "" if len(vals) == 1 else "s"))
            return "%s %s [%s]" % (name, ber_str(c[0]), "; ".join(mods))
        if n == 8:
            return "%s %s {%s}" % (name, ber_str(c[0]), attrs_summary(c[1], 20))
        if n == 10:
            return "%s %s" % (name, ber_str(op))
        if n == 12:
            s = "%s %s newrdn=%s deleteoldrdn=%s" % (name, ber_str(c[0]), ber_str(c[1]),
                                                    c[2].value != b"\x00")
            if len(c) > 3:
                s += " newSuperior=%s" % ber_str(c[3])
            return s
        if n == 14:
            return "%s %s %s=%r" % (name, ber_str(c[0]), ber_str(c[1].children[0]),
                                    ber_str(c[1].children[1]))
        if n == 16:
            return "%s msgid=%d" % (name, ber_int(op))
        if n == 23:
            oid = ber_str(c[0])
            s = "%s %s" % (name, oid_name(oid))
            if len(c) > 1:
                s += " value=" + describe_ext_value(oid, c[1].value)
            return s
        if n == 25:
            s = name
            oid = None
            for x in c:
                if x.ctx(0):
                    oid = ber_str(x)
                    s += " " + oid_name(oid)
                elif x.ctx(1):
                    s += " value=" + describe_sync_info(x.value) if oid == \
                        "1.3.6.1.4.1.4203.1.9.1.4" else " value=%d bytes" % x.length
            return s
    except (IndexError, AttributeError, TypeError, BERError) as error:
        return "%s (unexpected shape: %s)" % (name, error)
    return name


def describe_sync_info(value):
    try:
        v = parse_one(value)
    except BERError:
        return "%d bytes (not BER)" % len(value)
    kinds = {0: "newcookie", 1: "refreshDelete", 2: "refreshPresent", 3: "syncIdSet"}
    s = kinds.get(v.number, "?")
    if v.number == 0:
        return s + "=%r" % ber_str(v)
    parts = []
    for c in v.children:
        if c.number == 4:
            parts.append("cookie=%r" % ber_str(c))
        elif c.number == 1:
            parts.append(("refreshDone=%s" if v.number in (1, 2) else "refreshDeletes=%s")
                         % (c.value != b"\x00"))
        elif c.number == 17:
            parts.append("syncUUIDs=%d" % len(c.children))
    return "%s{%s}" % (s, ", ".join(parts))


def sync_done_cookie(pdu):
    try:
        t = parse_one(pdu)
        for extra in t.children[2:]:
            for ctl in extra.children if extra.ctx(0) else []:
                if ber_str(ctl.children[0]) == "1.3.6.1.4.1.4203.1.9.1.3":
                    for c in parse_one(ctl.children[-1].value).children:
                        if c.number == 4:
                            return ber_str(c)
    except (BERError, IndexError, AttributeError):
        pass
    return None


def describe_pdu(pdu):
    """Returns (one-line description, facts dict) for one LDAPMessage."""
    t = parse_one(pdu)
    facts = {"nonminimal": [], "booleans": set(), "controls": [], "op": None,
             "nonminimal_int": []}

    def visit(x, path):
        if not x.is_minimal():
            facts["nonminimal"].append((path or "outer", x.raw_tag.hex(), x.raw_len.hex(),
                                        x.length))
        if x.cls == 0 and x.number == 1 and not x.constructed:
            facts["booleans"].add(x.value.hex())
        if x.cls == 0 and x.number in (2, 10) and len(x.value) > 1:
            a, b = x.value[0], x.value[1]
            if (a == 0 and not b & 0x80) or (a == 0xFF and b & 0x80):
                facts["nonminimal_int"].append(path)

    walk(t, "", visit)
    if t.cls != 0 or t.number != 16 or not t.constructed or len(t.children) < 2:
        raise BERError("not an LDAPMessage")
    msgid = ber_int(t.children[0])
    op = t.children[1]
    facts["op"] = OPS.get(op.number, "APPLICATION %d" % op.number)
    # Extended/intermediate values are BER inside OCTET STRINGs: walk them too when they parse.
    value_tags = {23: 1, 24: 11, 25: 1}
    if op.number in value_tags and op.children:
        for x in op.children:
            if x.ctx(value_tags[op.number]) and x.value[:1] in (b"\x30", b"\x80", b"\xa1",
                                                                 b"\xa2", b"\xa3"):
                try:
                    walk(parse_one(x.value), "value of " + facts["op"], visit)
                except BERError:
                    pass
    if op.number == 24:
        facts["ext_name"] = any(x.ctx(10) for x in op.children)
        facts["ext_value"] = [x.length for x in op.children if x.ctx(11)]
    desc = "#%d %s" % (msgid, describe_op(op))
    for extra in t.children[2:]:
        if extra.ctx(0):
            for ctl in extra.children:
                oid = ber_str(ctl.children[0])
                crit = None
                value = None
                for x in ctl.children[1:]:
                    if x.cls == 0 and x.number == 1:
                        crit = x.value
                    elif x.cls == 0 and x.number == 4:
                        value = x.value
                        try:  # walk control values too: they are BER inside OCTET STRINGs
                            walk(parse_one(value), "control " + OIDS.get(oid, oid), visit)
                        except BERError:
                            pass
                facts["controls"].append((oid, crit, value is not None))
                desc += " +control %s%s%s" % (
                    oid_name(oid),
                    "" if crit is None else (" critical" if crit != b"\x00"
                                             else " criticality=FALSE(explicit)"),
                    describe_control_value(oid, value, op.number))
        else:
            desc += " +unknown trailing element [%d]" % extra.number
    return desc, facts


# ----------------------------------------------------------------------------------------
# Relay
# ----------------------------------------------------------------------------------------


class Relay:
    def __init__(self, upstream_port, verbose=False):
        self.upstream_port = upstream_port
        self.verbose = verbose
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.cond = threading.Condition()
        self.records = []  # (seq, conn, direction, bytes)
        self.problems = []
        self.seq = 0
        self.conns = 0
        self.active = 0
        self.closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def reset(self):
        with self.cond:
            records, problems = self.records, self.problems
            self.records, self.problems = [], []
            return records, problems

    def wait_idle(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.active:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def close(self):
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _accept_loop(self):
        while not self.closed:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                server.settimeout(None)
            except OSError as error:
                with self.cond:
                    self.problems.append("relay could not reach slapd: %s" % error)
                client.close()
                continue
            with self.cond:
                self.conns += 1
                conn = self.conns
                self.active += 2
            pair = {"left": 2}
            for src, dst, direction in ((client, server, "c2s"), (server, client, "s2c")):
                threading.Thread(target=self._pump, args=(src, dst, direction, conn, pair),
                                 daemon=True).start()

    def _pump(self, src, dst, direction, conn, pair):
        buf = bytearray()
        raw = False
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if not raw:
                    buf += data
                    while True:  # cut whole PDUs; record before forwarding (keeps causality)
                        if not buf:
                            break
                        if buf[0] != 0x30:
                            raw = True
                            with self.cond:
                                self.problems.append(
                                    "conn %d %s: byte stream is not BER from here on (first "
                                    "byte 0x%02x); stopped framing" % (conn, direction, buf[0]))
                            break
                        if len(buf) < 2:
                            break
                        lb = buf[1]
                        if lb == 0x80 or (lb & 0x80 and (lb & 0x7F) > 8):
                            raw = True
                            with self.cond:
                                self.problems.append("conn %d %s: unsupported length octet "
                                                     "0x%02x" % (conn, direction, lb))
                            break
                        if lb & 0x80:
                            n = lb & 0x7F
                            if len(buf) < 2 + n:
                                break
                            total = 2 + n + int.from_bytes(buf[2:2 + n], "big")
                        else:
                            total = 2 + lb
                        if len(buf) < total:
                            break
                        pdu = bytes(buf[:total])
                        del buf[:total]
                        with self.cond:
                            self.seq += 1
                            self.records.append((self.seq, conn, direction, pdu))
                dst.sendall(data)
        except OSError as error:
            with self.cond:
                self.problems.append("conn %d %s: %s" % (conn, direction, error))
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            with self.cond:
                if buf and not raw:
                    self.problems.append("conn %d %s: %d bytes of an incomplete PDU at close"
                                         % (conn, direction, len(buf)))
                pair["left"] -= 1
                if pair["left"] == 0:
                    for s in (src, dst):
                        try:
                            s.close()
                        except OSError:
                            pass
                self.active -= 1
                self.cond.notify_all()


# ----------------------------------------------------------------------------------------
# Directory data
# ----------------------------------------------------------------------------------------

USERS = [
    # uid, cn, sn values, givenName, uidNumber, phone
    ("jdoe", "John Doe", ["Doe", "Müller"], "John", 1001, "+1 555 0101"),
    ("asmith", "Alice Smith", ["Smith"], "Alice", 1002, "+1 555 0102"),
    ("bjones", "Bob Jones", ["Jones"], "Bob", 1003, "+1 555 0103"),
    ("jmueller", "Jürgen Müller", ["Müller"], "Jürgen", 1004, "+49 30 1234567"),
    ("dlee", "Dana Lee", ["Lee"], "Dana", 1005, "+1 555 0105"),
    ("ewong", "Erin Wong", ["Wong"], "Erin", 1006, "+1 555 0106"),
    ("mallory", "Mallory Locked", ["Locked"], "Mallory", 1007, "+1 555 0107"),
]


def ldif_line(attr, value):
    """An LDIF attrval line, base64 when LDIF requires it (RFC 2849)."""
    if isinstance(value, bytes):
        raw = value
    else:
        raw = value.encode("utf-8")
    safe = (raw and all(0x20 <= b < 0x7F for b in raw) and raw[:1] not in (b" ", b":", b"<")
            and not raw.endswith(b" "))
    if safe:
        return "%s: %s" % (attr, raw.decode("ascii"))
    return "%s:: %s" % (attr, base64.b64encode(raw).decode("ascii"))


def base_ldif(with_ppolicy):
    out = []

    def entry(dn, *lines):
        out.append("dn: %s\n%s\n" % (dn, "\n".join(lines)))

    entry(SUFFIX, "objectClass: top", "objectClass: dcObject", "objectClass: organization",
          "o: Example", "dc: example")
    for ou in ("people", "groups", "staff", "policies"):
        entry("ou=%s,%s" % (ou, SUFFIX), "objectClass: organizationalUnit", "ou: " + ou)
    if with_ppolicy:
        entry("cn=default,ou=policies," + SUFFIX, "objectClass: organizationalRole",
              "objectClass: pwdPolicy", "cn: default", "pwdAttribute: userPassword",
              "pwdLockout: TRUE", "pwdMaxFailure: 3", "pwdLockoutDuration: 0",
              "pwdFailureCountInterval: 0", "pwdAllowUserChange: TRUE", "pwdCheckQuality: 0")
    for uid, cn, sns, given, number, phone in USERS:
        lines = ["objectClass: inetOrgPerson", "objectClass: posixAccount", "uid: " + uid,
                 ldif_line("cn", cn)] + [ldif_line("sn", s) for s in sns] + [
                 ldif_line("givenName", given), "mail: %s@example.com" % uid,
                 "telephoneNumber: " + phone, "userPassword: " + PASSWORD,
                 "uidNumber: %d" % number, "gidNumber: 100",
                 "homeDirectory: /home/" + uid, "loginShell: /bin/sh",
                 "description: test user " + uid]
        entry("uid=%s,%s" % (uid, PEOPLE), *lines)
    entry("cn=staff,ou=groups," + SUFFIX, "objectClass: groupOfNames", "cn: staff",
          *["member: uid=%s,%s" % (u[0], PEOPLE) for u in USERS[:4]])
    entry("ou=elsewhere," + SUFFIX, "objectClass: referral", "objectClass: extensibleObject",
          "ou: elsewhere", "ref: ldap://other.example.com/dc=other,dc=com")
    return "\n".join(out)


# A few bytes that need base64 in LDIF (NUL, high bytes) behind a JPEG/JFIF header.
BINARY_VALUE = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9") + b"\x00\x01\xfe\xff"

INPUT_FILES = {
    "add.ldif": "dn: uid=newuser,%s\n"
                "objectClass: inetOrgPerson\nobjectClass: posixAccount\n"
                "uid: newuser\ncn: New User\nsn: User\n%s\nmail: newuser@example.com\n"
                "telephoneNumber: +1 555 0199\nuserPassword: %s\nuidNumber: 1099\n"
                "gidNumber: 100\nhomeDirectory: /home/newuser\ndescription: first\n"
                "description: second\n" % (PEOPLE, ldif_line("givenName", "Zoë"), PASSWORD),
    "modify.ldif": "dn: uid=newuser,%s\nchangetype: modify\n"
                   "add: mail\nmail: new.user@example.com\n-\n"
                   "replace: telephoneNumber\ntelephoneNumber: +1 555 0200\n"
                   "telephoneNumber: +1 555 0201\n-\n"
                   "delete: description\ndescription: first\n-\n"
                   "add: jpegPhoto\njpegPhoto:: %s\n-\n"
                   "replace: displayName\n-\n"
                   "delete: givenName\n-\n"
                   % (PEOPLE, base64.b64encode(BINARY_VALUE).decode("ascii")),
    "modify-increment.ldif": "dn: uid=newuser,%s\nchangetype: modify\n"
                             "increment: uidNumber\nuidNumber: 5\n-\n" % PEOPLE,
    "modify-read.ldif": "dn: uid=jdoe,%s\nchangetype: modify\n"
                        "replace: description\ndescription: changed with pre/post read\n-\n"
                        % PEOPLE,
    "modify-assert.ldif": "dn: uid=jdoe,%s\nchangetype: modify\n"
                          "replace: description\ndescription: never written\n-\n" % PEOPLE,
    "sync-change.ldif": "dn: uid=ewong,%s\nchangetype: modify\n"
                        "replace: description\ndescription: changed during persist\n-\n"
                        % PEOPLE,
}

COMPLEX_FILTER = (r"(&(objectClass=inetOrgPerson)(|(cn=J*o*n*e)(telephoneNumber=*555*)"
                  r"(givenName=Jürgen))(!(uid=a\2a\28\29\5cb\00c))(uidNumber>=1000)"
                  r"(uidNumber<=2000)(cn~=jon)(cn:caseExactMatch:=John Doe)"
                  r"(ou:dn:2.5.13.2:=people)(mail=*)(sn=M\c3\bcller))")


def X(tool, *args, bind=ADMIN):
    """A simple-bind ldap-utils command through the relay."""
    argv = [tool, "-x", "-H", URI]
    if bind:
        argv += ["-D", bind, "-w", PASSWORD]
    return {"argv": argv + list(args)}


def user(uid):
    return "uid=%s,%s" % (uid, PEOPLE)


def scenarios():
    """(name, [steps], requirement or None). A step is a dict: argv (list with URI/DIRECT
    placeholders), optional 'interrupt' (seconds before SIGINT, with an optional
    'side_effect' argv run against slapd directly, not recorded)."""
    s = []
    add = s.append
    add(("whoami", [X("ldapwhoami")], None))
    add(("bind-invalid-credentials", [
        {"argv": ["ldapwhoami", "-x", "-H", URI, "-D", ADMIN, "-w", "wrongpassword"]}], None))
    add(("bind-anonymous-whoami", [X("ldapwhoami", bind=None)], None))
    add(("bind-authzid-control", [X("ldapwhoami", "-e", "bauthzid", bind=user("jdoe"))], None))
    add(("search-equality", [X("ldapsearch", "-b", SUFFIX, "(uid=jdoe)", "cn", "mail",
                               bind=None)], None))
    add(("search-complex-filter", [X("ldapsearch", "-b", SUFFIX, COMPLEX_FILTER, "cn")], None))
    add(("search-root-dse", [X("ldapsearch", "-s", "base", "-b", "", "+", "*", bind=None)], None))
    add(("search-paged", [X("ldapsearch", "-b", PEOPLE, "-E", "pr=2/noprompt",
                            "(objectClass=inetOrgPerson)", "uid")], None))
    add(("search-sort", [X("ldapsearch", "-b", PEOPLE, "-E", "sss=cn", "(uid=*)", "cn")],
         "sssvlv"))
    add(("search-sort-ordering-rule", [X("ldapsearch", "-b", PEOPLE, "-E",
                                         "sss=-cn:caseIgnoreOrderingMatch", "(uid=*)", "cn")],
         "sssvlv"))
    add(("search-vlv", [X("ldapsearch", "-b", PEOPLE, "-E", "sss=uid:caseIgnoreOrderingMatch",
                          "-E", "vlv=1/1/3/0", "(uid=*)", "uid")], "sssvlv"))
    add(("search-manage-dsa-it", [X("ldapsearch", "-M", "-b", SUFFIX, "(ou=elsewhere)",
                                    bind=None)], None))
    add(("search-reference", [X("ldapsearch", "-b", SUFFIX, "(uid=jdoe)", "uid",
                                bind=None)], None))
    add(("search-referral-result", [X("ldapsearch", "-b", "cn=x,ou=elsewhere," + SUFFIX,
                                      "-s", "base", bind=None)], None))
    add(("search-size-limit", [X("ldapsearch", "-z", "1", "-b", PEOPLE, "(uid=*)", "uid")],
         None))
    add(("search-typesonly-attrs", [
        X("ldapsearch", "-A", "-b", PEOPLE, "(uid=jdoe)", "1.1"),
        X("ldapsearch", "-A", "-b", PEOPLE, "(uid=jdoe)", "+")], None))
    add(("search-matched-values", [X("ldapsearch", "-b", PEOPLE, "-E",
                                     "mv=(telephoneNumber=*0101)", "(uid=jdoe)",
                                     "telephoneNumber", "mail")], None))
    add(("search-deref", [X("ldapsearch", "-b", "ou=groups," + SUFFIX, "-E",
                            "deref=member:uid,mail", "(cn=staff)", "member")], "deref"))
    add(("add", [X("ldapadd", "-f", "add.ldif")], None))
    add(("modify", [X("ldapmodify", "-f", "modify.ldif")], None))
    add(("modify-increment", [X("ldapmodify", "-f", "modify-increment.ldif")], None))
    add(("modify-prepostread", [X("ldapmodify", "-e", "preread=description",
                                  "-e", "postread=description,modifyTimestamp",
                                  "-f", "modify-read.ldif")], None))
    add(("modify-assertion-failed", [X("ldapmodify", "-e", "assert=(uid=somebodyelse)",
                                       "-f", "modify-assert.ldif")], None))
    add(("modrdn", [X("ldapmodrdn", "-r", "-s", "ou=staff," + SUFFIX, user("newuser"),
                      "uid=renamed")], None))
    add(("delete", [X("ldapdelete", "uid=renamed,ou=staff," + SUFFIX)], None))
    add(("delete-no-such-object", [X("ldapdelete", "uid=ghost,ou=nowhere," + SUFFIX)], None))
    add(("compare-true", [X("ldapcompare", user("jdoe"), "mail:jdoe@example.com")], None))
    add(("compare-false", [X("ldapcompare", user("jdoe"), "mail:nobody@example.com")], None))
    add(("passwd", [X("ldappasswd", "-s", "newsecret", user("bjones")),
                    X("ldappasswd", "-a", PASSWORD, "-s", "newsecret", bind=user("asmith"))],
         None))
    add(("passwd-generated", [X("ldappasswd", user("dlee"))], None))
    add(("starttls-refused", [X("ldapwhoami", "-ZZ")], None))
    add(("ppolicy-bind", [
        {"argv": ["ldapwhoami", "-x", "-H", URI, "-e", "ppolicy", "-D", user("mallory"),
                  "-w", "wrongpassword"]} for _ in range(3)] + [
        X("ldapwhoami", "-e", "ppolicy", bind=user("mallory"))], "ppolicy"))
    add(("sync-refresh-only", [X("ldapsearch", "-b", PEOPLE, "-E", "sync=ro", "(uid=jdoe)",
                                 "uid")], "syncprov"))
    persist = X("ldapsearch", "-e", "cancel", "-b", PEOPLE, "-E", "sync=rp",
                "(|(uid=jdoe)(uid=ewong))", "uid", "description")
    persist.update({"interrupt": 1.5, "side_effect": [
        "ldapmodify", "-x", "-H", DIRECT, "-D", ADMIN, "-w", PASSWORD, "-f",
        "sync-change.ldif"]})
    add(("sync-refresh-persist", [persist], "syncprov"))
    add(("sync-refresh-persist-cookie", [{
        "argv": ["ldapsearch", "-x", "-H", URI, "-D", ADMIN, "-w", PASSWORD, "-e", "cancel", "-b",
                 PEOPLE, "-E", "sync=rp/{COOKIE}", "(|(uid=jdoe)(uid=ewong))", "uid"],
        "interrupt": 1.5}], "cookie"))
    add(("sasl-digest", [{"argv": ["ldapwhoami", "-H", URI, "-Y", "DIGEST-MD5", "-U", "jdoe",
                                   "-w", PASSWORD, "-O", "maxssf=0"]}], "digest"))
    add(("abandon", [{"argv": [SYSTEM_PYTHON, "{SELF}", "--python-ldap-client", "abandon", URI]}],
         "python-ldap"))
    add(("cancel", [{"argv": [SYSTEM_PYTHON, "{SELF}", "--python-ldap-client", "cancel", URI]}],
         "python-ldap"))
    return s


# ----------------------------------------------------------------------------------------
# slapd
# ----------------------------------------------------------------------------------------


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so")) or \
        os.path.exists(os.path.join(MODULE_DIR, name + ".la"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_slapd_conf(tmp, modules):
    lines = ["# generated by capture-pdus.py"]
    for schema in ("core", "cosine", "inetorgperson", "nis"):
        lines.append("include %s/%s.schema" % (SCHEMA_DIR, schema))
    lines += ["pidfile %s/slapd.pid" % tmp, "argsfile %s/slapd.args" % tmp,
              "modulepath " + MODULE_DIR, "moduleload back_mdb"]
    lines += ["moduleload " + m for m in sorted(modules)]
    lines += [
        # DIGEST-MD5: map the SASL identity to the user's entry; slapd reads the cleartext
        # userPassword through its own auxprop.
        'authz-regexp "^uid=([^,]+),(cn=[^,]+,)?cn=digest-md5,cn=auth$" "uid=$1,%s"' % PEOPLE,
        "sasl-secprops none",
        "database mdb",
        'suffix "%s"' % SUFFIX,
        'rootdn "%s"' % ADMIN,
        "rootpw " + PASSWORD,
        "directory %s/db" % tmp,
        "maxsize 104857600",
        "index objectClass eq",
        "index uid eq",
    ]
    if "syncprov" in modules:
        lines += ["index entryCSN,entryUUID eq"]
    lines += [
        "access to attrs=userPassword by self write by anonymous auth by * none",
        "access to * by * read",
    ]
    # Overlays run last-declared first.
    if "syncprov" in modules:
        lines += ["overlay syncprov", "syncprov-checkpoint 100 10"]
    if "deref" in modules:
        lines += ["overlay deref"]
    if "ppolicy" in modules:
        lines += ["overlay ppolicy",
                  'ppolicy_default "cn=default,ou=policies,%s"' % SUFFIX,
                  "ppolicy_use_lockout"]
    if "sssvlv" in modules:
        lines += ["overlay sssvlv"]
    path = os.path.join(tmp, "slapd.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def versions():
    out = {}
    try:
        r = subprocess.run(["slapd", "-VV"], capture_output=True, text=True, timeout=10)
        line = (r.stderr or r.stdout).strip().splitlines()[0]
        out["slapd_banner"] = re.sub(r"^@\(#\) \$OpenLDAP: ", "", line).rstrip(" $")
    except (OSError, IndexError, subprocess.SubprocessError):
        out["slapd_banner"] = "unknown"
    for pkg in ("slapd", "ldap-utils", "libldap-2.5-0", "python3-ldap"):
        try:
            r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                               capture_output=True, text=True, timeout=10)
            out[pkg] = r.stdout.strip() if r.returncode == 0 else None
        except OSError:
            out[pkg] = None
    return out


# ----------------------------------------------------------------------------------------
# Main capture
# ----------------------------------------------------------------------------------------


class Capture:
    def __init__(self, args):
        self.args = args
        self.tmp = None
        self.slapd = None
        self.relay = None
        self.log = None
        self.vars = {}  # values learnt from earlier scenarios, e.g. a sync cookie

    def say(self, *a):
        print(*a, flush=True)

    def env(self):
        env = dict(os.environ)
        env["LDAPNOINIT"] = "1"  # ignore /etc/ldap/ldap.conf and ~/.ldaprc
        env.pop("LDAPRC", None)
        return env

    def start(self):
        self.tmp = tempfile.mkdtemp(prefix="veneer-capture-")
        os.mkdir(os.path.join(self.tmp, "db"))
        self.modules = {m for m in ("ppolicy", "sssvlv", "syncprov", "deref") if have_module(m)}
        conf = write_slapd_conf(self.tmp, self.modules)
        ldif = os.path.join(self.tmp, "base.ldif")
        with open(ldif, "w") as f:
            f.write(base_ldif("ppolicy" in self.modules))
        for name, text in INPUT_FILES.items():
            with open(os.path.join(self.tmp, name), "w") as f:
                f.write(text)
        r = subprocess.run(["slapadd", "-q", "-f", conf, "-l", ldif], capture_output=True,
                           text=True)
        if r.returncode != 0:
            raise SystemExit("slapadd failed (%d):\n%s%s" % (r.returncode, r.stdout, r.stderr))
        self.slapd_port = free_port()
        self.log = open(os.path.join(self.tmp, "slapd.log"), "w")
        self.slapd = subprocess.Popen(
            ["slapd", "-d", "stats", "-h", "ldap://127.0.0.1:%d/" % self.slapd_port, "-f", conf],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            if self.slapd.poll() is not None:
                raise SystemExit("slapd exited with %d:\n%s" % (self.slapd.returncode,
                                                                 self.slapd_log_tail()))
            try:
                socket.create_connection(("127.0.0.1", self.slapd_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("slapd did not listen:\n" + self.slapd_log_tail())
                time.sleep(0.1)
        self.relay = Relay(self.slapd_port, self.args.verbose)
        self.say("slapd on 127.0.0.1:%d, relay on 127.0.0.1:%d, temp dir %s; overlays: %s"
                 % (self.slapd_port, self.relay.port, self.tmp, ", ".join(sorted(self.modules))))

    def slapd_log_tail(self, n=40):
        try:
            with open(os.path.join(self.tmp, "slapd.log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        if self.relay:
            self.relay.close()
        if self.slapd and self.slapd.poll() is None:
            self.slapd.terminate()
            try:
                self.slapd.wait(15)
            except subprocess.TimeoutExpired:
                self.slapd.kill()
                self.slapd.wait(5)
        if self.log:
            self.log.close()
        if self.tmp:
            if self.args.keep:
                self.say("kept temp dir " + self.tmp)
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def expand(self, argv):
        relay = "ldap://127.0.0.1:%d" % self.relay.port
        direct = "ldap://127.0.0.1:%d" % self.slapd_port
        real = [a.replace(URI, relay).replace(DIRECT, direct)
                .replace("{SELF}", os.path.abspath(__file__)) for a in argv]
        shown = [a.replace(URI, "ldap://127.0.0.1:PORT").replace("{SELF}", SCRIPT_DISPLAY)
                 for a in argv]
        for key, value in self.vars.items():
            real = [a.replace("{%s}" % key, value) for a in real]
            shown = [a.replace("{%s}" % key, value) for a in shown]
        if shown and shown[0] == SYSTEM_PYTHON:
            shown[0] = "python3"
        return real, shlex.join(shown)

    def requirement_problem(self, req):
        if req is None:
            return None
        if req in ("ppolicy", "sssvlv", "syncprov", "deref"):
            return None if req in self.modules else \
                "module %s.so not found in %s" % (req, MODULE_DIR)
        if req == "cookie":
            return None if "COOKIE" in self.vars else \
                "no syncDone cookie was captured by sync-refresh-only"
        if req == "python-ldap":
            if "syncprov" not in self.modules:
                return "needs the syncprov overlay for a search that is still running"
            if not os.path.exists(SYSTEM_PYTHON):
                return SYSTEM_PYTHON + " not found"
            r = subprocess.run([SYSTEM_PYTHON, "-c", "import ldap"], capture_output=True)
            return None if r.returncode == 0 else \
                "python-ldap is not importable by %s (apt-get install python3-ldap)" % SYSTEM_PYTHON
        if req == "digest":
            r = subprocess.run(["ldapsearch", "-LLL", "-x", "-H",
                                "ldap://127.0.0.1:%d" % self.slapd_port, "-s", "base", "-b", "",
                                "supportedSASLMechanisms"], capture_output=True, text=True,
                               env=self.env())
            mechs = re.findall(r"supportedSASLMechanisms: (\S+)", r.stdout)
            if "DIGEST-MD5" not in mechs:
                return "slapd does not offer DIGEST-MD5 (offers: %s)" % (", ".join(mechs) or
                                                                        "none")
            return None
        return "unknown requirement " + req

    def run_step(self, step):
        real, shown = self.expand(step["argv"])
        if "interrupt" in step:
            proc = subprocess.Popen(real, cwd=self.tmp, env=self.env(), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
            time.sleep(step["interrupt"])
            if "side_effect" in step:
                side, _ = self.expand(step["side_effect"])
                r = subprocess.run(side, cwd=self.tmp, env=self.env(), capture_output=True,
                                   text=True, timeout=30)
                if r.returncode != 0:
                    self.say("   side effect failed: " + r.stderr.strip())
                time.sleep(1.0)
            proc.send_signal(signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            rc = proc.returncode
        else:
            r = subprocess.run(real, cwd=self.tmp, env=self.env(), stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=60)
            out, err, rc = r.stdout, r.stderr, r.returncode
        err = err.decode("utf-8", "replace").strip() if isinstance(err, bytes) else err.strip()
        if not self.relay.wait_idle(10):
            self.say("   warning: relay connections still open after 10 s")
        return shown, rc, err

    def run(self):
        results = []
        for name, steps, req in scenarios():
            problem = self.requirement_problem(req)
            if problem:
                self.say("-- %-28s SKIPPED: %s" % (name, problem))
                results.append({"name": name, "skipped": problem})
                continue
            self.relay.reset()
            pdus = []  # (seq, direction, bytes, command)
            commands = []
            problems = []
            for step in steps:
                shown, rc, err = self.run_step(step)
                records, probs = self.relay.reset()
                problems += probs
                commands.append((shown, rc, err))
                pdus += [(seq, d, b, shown) for seq, _conn, d, b in records]
                self.say("-- %-28s rc=%d pdus=%d  %s%s" % (
                    name, rc, len(records), shown,
                    ("\n     stderr: " + err.replace("\n", "\n             ")) if err and
                    self.args.verbose else ""))
            if not pdus:
                reason = "no PDU reached the wire (%s)" % "; ".join(
                    "%s -> rc %d: %s" % (c, rc, e.splitlines()[-1] if e else "")
                    for c, rc, e in commands)
                if name == "sasl-digest":
                    reason = "client could not start DIGEST-MD5: " + reason
                self.say("   SKIPPED: " + reason)
                results.append({"name": name, "skipped": reason})
                continue
            pdus.sort(key=lambda p: p[0])
            dropped = max(0, len(pdus) - MAX_PDUS_PER_SCENARIO)
            pdus = pdus[:MAX_PDUS_PER_SCENARIO]
            counters = {"c2s": 0, "s2c": 0}
            recs = []
            for _seq, d, b, cmd in pdus:
                recs.append({"direction": d, "index": counters[d], "bytes": b, "command": cmd})
                counters[d] += 1
            for p in problems:
                self.say("   relay: " + p)
            for p in recs:  # remember the first syncDone cookie for a later scenario
                if p["direction"] == "s2c" and "COOKIE" not in self.vars:
                    cookie = sync_done_cookie(p["bytes"])
                    if cookie:
                        self.vars["COOKIE"] = cookie
            results.append({"name": name, "pdus": recs, "commands": commands,
                            "dropped": dropped, "problems": problems})
        return results


# ----------------------------------------------------------------------------------------
# Outputs
# ----------------------------------------------------------------------------------------


def swift_string(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def comment_safe(s, n=220):
    s = s.replace("\n", " ").replace("\r", " ").replace("*/", "* /")
    return s if len(s) <= n else s[:n - 1] + "…"


def version_line(v):
    parts = ["slapd %s" % (v.get("slapd") or "?"), "ldap-utils %s" % (v.get("ldap-utils") or "?")]
    if v.get("libldap-2.5-0"):
        parts.append("libldap-2.5-0 %s" % v["libldap-2.5-0"])
    if v.get("python3-ldap"):
        parts.append("python3-ldap %s" % v["python3-ldap"])
    return ", ".join(parts)


def write_swift(path, results, v):
    lines = [
        "// GENERATED FILE: DO NOT EDIT BY HAND.",
        "// Generated by %s, which starts a private slapd, relays real OpenLDAP client tools" % SCRIPT_DISPLAY,
        "// to it and records every whole BER PDU on the wire. Re-run the script to regenerate.",
        "// Captured with Debian packages: %s." % version_line(v),
        "// slapd -VV: %s" % v.get("slapd_banner", "?"),
        "// Values such as entryUUID, entryCSN, timestamps, cookies, SASL nonces and generated",
        "// passwords change from run to run; message IDs, DNs and structure do not.",
        "// Each entry is preceded by a comment with its decoded summary (\"#n\" is the messageID).",
        "",
        "/// A PDU recorded on the wire between a real OpenLDAP client tool and a real slapd.",
        "struct CapturedPDU: Sendable {",
        "    enum Direction: Sendable { case clientToServer, serverToClient }",
        "    /// Scenario name, e.g. \"search-paged\".",
        "    let scenario: String",
        "    /// The exact command that produced it.",
        "    let command: String",
        "    /// Position of the PDU within its scenario and direction, from 0.",
        "    let index: Int",
        "    let direction: Direction",
        "    /// The whole PDU (outer SEQUENCE included) as lowercase hex.",
        "    let hex: String",
        "}",
        "",
        "enum CapturedPDUs {",
        "    static let all: [CapturedPDU] = [",
    ]
    for r in results:
        if "skipped" in r:
            continue
        for p in r["pdus"]:
            arrow = "→" if p["direction"] == "c2s" else "←"
            lines.append("        // %s %s %d: %s" % (r["name"], arrow, p["index"],
                                                    comment_safe(p["desc"])))
            lines.append(
                "        CapturedPDU(scenario: %s, command: %s, index: %d, direction: %s, hex: \"%s\"),"
                % (swift_string(r["name"]), swift_string(p["command"]), p["index"],
                   ".clientToServer" if p["direction"] == "c2s" else ".serverToClient",
                   p["bytes"].hex()))
    lines += ["    ]", "}", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def collapse(items):
    """['a','a','b'] -> ['a ×2','b']"""
    out = []
    for it in items:
        if out and out[-1][0] == it:
            out[-1][1] += 1
        else:
            out.append([it, 1])
    return [a if n == 1 else "%s ×%d" % (a, n) for a, n in out]


def brief(desc):
    """A table-sized version of a PDU description."""
    d = re.sub(r"^#\d+ ", "", desc)
    d = re.sub(r" \{[^{}]*\}$", "", d) if d.startswith("SearchResultEntry") else d
    d = re.sub(r"^SearchResultEntry .*", "SearchResultEntry", d)
    d = re.sub(r" deref=\d+ sizeLimit=(\d+) timeLimit=\d+ typesOnly=(\w+)",
               lambda m: (" sizeLimit=" + m.group(1) if m.group(1) != "0" else "")
               + (" typesOnly" if m.group(2) == "True" else ""), d)
    d = re.sub(r" cookie='[^']*'", " cookie", d)
    d = re.sub(r" msg='[^']*'", " (+msg)", d)
    d = re.sub(r"(?<=value=)'dn:[^']*'", "dn:…", d)
    d = d.replace("|", "\\|")
    return d


def write_outputs(root, results, v, args):
    fixtures = os.path.join(root, "Tests", "LDAPCoreTests", "Fixtures")
    corpus = os.path.join(root, "Sources", "LDAPFuzz", "corpus")
    os.makedirs(fixtures, exist_ok=True)
    os.makedirs(corpus, exist_ok=True)

    # Decode everything first; a PDU that does not decode is a failure of this script.
    failures = []
    for r in results:
        if "skipped" in r:
            continue
        for p in r["pdus"]:
            try:
                p["desc"], p["facts"] = describe_pdu(p["bytes"])
            except BERError as error:
                failures.append("%s %s %d: %s" % (r["name"], p["direction"], p["index"], error))
                p["desc"], p["facts"] = "UNPARSABLE: %s" % error, None

    # Fuzz corpus: remove the files this script wrote before, then one file per distinct PDU.
    names = {r["name"] for r in results}
    pattern = re.compile(r"^(?P<s>.+)-(c2s|s2c)-\d+\.ber$")
    for f in os.listdir(corpus):
        m = pattern.match(f)
        if m and m.group("s") in names:
            os.remove(os.path.join(corpus, f))
    seen = set()
    written = 0
    for r in results:
        if "skipped" in r:
            continue
        for p in r["pdus"]:
            if p["bytes"] in seen:
                continue
            seen.add(p["bytes"])
            with open(os.path.join(corpus, "%s-%s-%d.ber" % (r["name"], p["direction"],
                                                             p["index"])), "wb") as f:
                f.write(p["bytes"])
            written += 1

    write_swift(os.path.join(fixtures, "CapturedPDUs.swift"), results, v)
    write_markdown(os.path.join(fixtures, "CAPTURED.md"), results, v)
    return failures, written


def write_markdown(path, results, v):
    md = ["# Captured LDAP PDUs", "",
          "Generated by `%s`; do not edit by hand. Real PDUs recorded by a relay between "
          "OpenLDAP's client tools and a private slapd (Debian packages: %s; `slapd -VV`: "
          "`%s`). They are in `CapturedPDUs.swift` (hex, with a decoded summary above each) and, "
          "one file per distinct PDU, in `Sources/LDAPFuzz/corpus/<scenario>-<c2s|s2c>-<index>.ber`."
          % (SCRIPT_DISPLAY, version_line(v), v.get("slapd_banner", "?")), "",
          "Directory: `%s`, rootdn `%s` (password `%s`), users %s under `%s` (all with "
          "password `%s`, inetOrgPerson + posixAccount), group `cn=staff,ou=groups,%s`, "
          "referral entry `ou=elsewhere,%s` → `ldap://other.example.com/dc=other,dc=com`, "
          "ppolicy default policy locking after 3 failures. `→` is client to server, `←` "
          "server to client; `#n` is the messageID. The PORT in commands is the relay's."
          % (SUFFIX, ADMIN, PASSWORD, ", ".join(u[0] for u in USERS), PEOPLE, PASSWORD, SUFFIX,
             SUFFIX), "",
          "| scenario | command(s) | PDUs →/← | contents |", "| --- | --- | --- | --- |"]
    for r in results:
        if "skipped" in r:
            continue
        cmds = "<br>".join("`%s` (exit %d)" % (c.replace("|", "\\|"), rc)
                           for c, rc, _ in r["commands"])
        c2s = sum(1 for p in r["pdus"] if p["direction"] == "c2s")
        s2c = len(r["pdus"]) - c2s
        content = "; ".join(collapse(["%s %s" % ("→" if p["direction"] == "c2s" else "←",
                                                 brief(p["desc"])) for p in r["pdus"]]))
        if r["dropped"]:
            content += "; (%d more PDUs not kept: cap %d)" % (r["dropped"], MAX_PDUS_PER_SCENARIO)
        md.append("| %s | %s | %d/%d | %s |" % (r["name"], cmds, c2s, s2c, content))
    skipped = [r for r in results if "skipped" in r]
    md += ["", "## Skipped scenarios", ""]
    md += ["- `%s`: %s" % (r["name"], r["skipped"]) for r in skipped] or ["None."]

    # Encoding observations, computed from the PDUs themselves.
    md += ["", "## Encoding observations (computed from the captured bytes)", ""]
    md += encoding_observations(results)
    md += ["", "## Inputs", "",
           "Files given to the tools with `-f` (written by the script into its temp dir):", ""]
    for name, text in INPUT_FILES.items():
        md += ["`%s`:" % name, "", "```", text.rstrip("\n"), "```", ""]
    md += ["The `abandon` and `cancel` scenarios run `%s --python-ldap-client MODE URI` under "
           "`/usr/bin/python3`: simple bind as rootdn, a refreshAndPersist sync search (so the "
           "operation is still running; a plain search of this small tree usually completes "
           "before the abandon arrives), 1 s later `abandon(msgid)` or `cancel_s(msgid)`, a "
           "WhoAmI round trip and an unbind." %
           SCRIPT_DISPLAY,
           "`sync-refresh-persist` runs `ldapsearch -e cancel -E sync=rp`, changes "
           "`uid=ewong` through a direct (unrecorded) connection after 1.5 s so the persist phase "
           "sends an entry, then sends SIGINT to the tool.",
           "`sync-refresh-persist-cookie` resumes with the cookie that `sync-refresh-only` got "
           "(so the command line differs per run), then is interrupted the same way.",
           "ldapsearch 2.5 checks its SIGINT flag only after a response arrives, so with `-e "
           "cancel` the interrupted wait makes `ldap_result` fail (exit 255, \"Can't contact LDAP "
           "server\") and the tool sends an UnbindRequest rather than a Cancel; the `cancel` "
           "scenario captures a real Cancel.",
           "`sasl-digest` passes `-O maxssf=0` so that no SASL security layer is negotiated and "
           "the PDUs after the bind stay plain BER.", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(md))


def encoding_observations(results):
    obs = []
    total = {"c2s": 0, "s2c": 0}
    nonmin = {"c2s": [], "s2c": []}
    longform_needed = {"c2s": 0, "s2c": 0}
    bools = {"c2s": set(), "s2c": set()}
    explicit_false_crit = set()
    done_with_controls = []
    other_with_controls = set()
    nonmin_int = []
    for r in results:
        if "skipped" in r:
            continue
        for p in r["pdus"]:
            f = p["facts"]
            if not f:
                continue
            d = p["direction"]
            total[d] += 1
            if f["nonminimal"]:
                nonmin[d].append((r["name"], p["index"], f["nonminimal"]))
            if len(p["bytes"]) - 2 >= 0x80:
                longform_needed[d] += 1
            bools[d] |= f["booleans"]
            for oid, crit, _ in f["controls"]:
                if crit == b"\x00":
                    explicit_false_crit.add((d, OIDS.get(oid, oid)))
            if d == "s2c" and f["controls"]:
                names = ",".join(sorted({OIDS.get(o, o) for o, _, _ in f["controls"]}))
                if f["op"] == "SearchResultDone":
                    done_with_controls.append("%s (%s)" % (r["name"], names))
                else:
                    other_with_controls.add("%s on %s" % (names, f["op"]))
            if f["nonminimal_int"]:
                nonmin_int.append("%s %s %d" % (r["name"], d, p["index"]))
    obs.append("- PDUs: %d client→server, %d server→client." % (total["c2s"], total["s2c"]))
    for d, who in (("c2s", "clients (libldap)"), ("s2c", "slapd")):
        items = nonmin[d]
        if not items:
            obs.append("- Lengths from %s: all minimal (short form below 128, fewest long-form "
                       "octets otherwise), outer and nested." % who)
        else:
            forms = {}
            for _, _, lst in items:
                for _path, _tag, raw, _n in lst:
                    key = "0x%s" % raw[:2] + ("+%d octets" % (len(raw) // 2 - 1))
                    forms[key] = forms.get(key, 0) + 1
            where = sorted({path.split("/")[0] or "outer" for _, _, lst in items
                            for path, _, _, _ in lst})
            ex = items[0]
            obs.append("- Lengths from %s: %d of %d PDUs contain NON-MINIMAL length encodings "
                       "(%s); e.g. %s %s %d: %s. A decoder must accept these; a minimal "
                       "re-encoder will not reproduce the bytes." % (
                           who, len(items), total[d],
                           ", ".join("%s ×%d" % kv for kv in sorted(forms.items())),
                           ex[0], d, ex[1],
                           ", ".join("tag %s len %s (=%d) at %s" % (t, raw, n, path)
                                     for path, t, raw, n in ex[2][:4])))
        obs.append("- %s: %d PDUs needed a long-form outer length (≥ 128 content octets)."
                   % (who.capitalize(), longform_needed[d]))
        if bools[d]:
            obs.append("- BOOLEAN contents sent by %s: %s." % (
                who, ", ".join("0x" + b for b in sorted(bools[d]))))
    if explicit_false_crit:
        obs.append("- Controls carrying an explicit `criticality FALSE` (DER would omit the "
                   "DEFAULT): %s." % ", ".join("%s %s" % (OIDS.get(o, o), "from clients" if d ==
                                                           "c2s" else "from slapd")
                                                for d, o in sorted(explicit_false_crit)))
    else:
        obs.append("- No control carries an explicit criticality FALSE.")
    obs.append("- SearchResultDone with response controls: %s." %
               ("; ".join(collapse(done_with_controls)) if done_with_controls else "none"))
    # Requests whose controls call for a response control that did not come.
    missing = []
    for r in results:
        if "skipped" in r:
            continue
        asked = {}
        for p in r["pdus"]:
            f = p["facts"]
            if not f:
                continue
            msgid = ber_int(parse_one(p["bytes"]).children[0])
            names = {OIDS.get(o, o) for o, _, _ in f["controls"]}
            if p["direction"] == "c2s" and f["op"] == "SearchRequest":
                asked[msgid] = names & {"sortRequest", "pagedResults", "vlvRequest",
                                        "syncRequest"}
            elif p["direction"] == "s2c" and f["op"] == "SearchResultDone" and asked.get(msgid) \
                    and not f["controls"]:
                missing.append("%s (#%d, asked %s; %s)" % (
                    r["name"], msgid, ",".join(sorted(asked[msgid])),
                    re.sub(r" msg=.*$", " (+msg)", re.sub(r"^#\d+ SearchResultDone ", "",
                                                           p["desc"]))))
    obs.append("- SearchResultDone WITHOUT the response control its request asked for: %s." %
               ("; ".join(missing) if missing else "none"))
    obs.append("- Other server PDUs with response controls: %s." %
               ("; ".join(sorted(other_with_controls)) if other_with_controls else "none"))
    ext = [(r["name"], p["facts"]) for r in results if "skipped" not in r for p in r["pdus"]
           if p["facts"] and p["facts"]["op"] == "ExtendedResponse"]
    if ext:
        named = sorted({n for n, f in ext if f["ext_name"]})
        empty = sorted({n for n, f in ext if 0 in f["ext_value"]})
        obs.append("- ExtendedResponse: %d captured; responseName present in %s; responseValue "
                   "present but EMPTY (0 octets, not absent) in %s." % (
                       len(ext), ", ".join(named) if named else "none (slapd omits it)",
                       ", ".join(empty) if empty else "none"))
    obs.append("- INTEGER/ENUMERATED with a redundant leading octet: %s." %
               (", ".join(nonmin_int) if nonmin_int else "none"))
    return obs


def self_check(results):
    """Each recorded PDU must be exactly one complete TLV whose nested TLVs all parse."""
    bad = []
    for r in results:
        if "skipped" in r:
            continue
        for p in r["pdus"]:
            try:
                parse_one(p["bytes"])
            except BERError as error:
                bad.append("%s %s %d: %s" % (r["name"], p["direction"], p["index"], error))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.abspath(os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")),
        help="repository root to write the outputs into")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (slapd.log etc.)")
    ap.add_argument("--verbose", action="store_true", help="print the tools' stderr")
    ap.add_argument("--python-ldap-client", nargs=2, metavar=("MODE", "URI"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.python_ldap_client:
        python_ldap_client(*args.python_ldap_client)
        return 0

    for tool in ("slapd", "slapadd", "ldapsearch", "ldapwhoami"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            raise SystemExit("%s not found: apt-get install slapd ldap-utils" % tool)
    if "/usr/sbin" not in os.environ.get("PATH", "").split(":"):
        os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"

    def on_term(signum, _frame):
        raise SystemExit("interrupted by signal %d" % signum)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    v = versions()
    cap = Capture(args)
    try:
        cap.start()
        results = cap.run()
    finally:
        cap.stop()

    bad = self_check(results)
    failures, written = write_outputs(args.root, results, v, args)
    captured = [r for r in results if "skipped" not in r]
    print("\n%-30s %5s %5s" % ("scenario", "c2s", "s2c"))
    for r in captured:
        c2s = sum(1 for p in r["pdus"] if p["direction"] == "c2s")
        print("%-30s %5d %5d%s" % (r["name"], c2s, len(r["pdus"]) - c2s,
                                   "  (+%d dropped)" % r["dropped"] if r["dropped"] else ""))
    for r in results:
        if "skipped" in r:
            print("%-30s skipped: %s" % (r["name"], r["skipped"]))
    print("\n%d scenarios captured, %d skipped, %d PDUs, %d corpus files; outputs under %s" % (
        len(captured), len(results) - len(captured), sum(len(r["pdus"]) for r in captured),
        written, args.root))
    problems = bad + failures
    for p in problems:
        print("PROBLEM: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
