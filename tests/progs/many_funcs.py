#!/usr/bin/python3
"""Writes a gzipped profile.proto with N functions (one location and one
sample each, value i, or VALUE for every sample), for
tests/integration/cli_badinput.sh.
Usage: many_funcs.py N OUT [VALUE]"""
import gzip, sys

def varint(v):
    b = bytearray()
    while True:
        c = v & 0x7F
        v >>= 7
        if v:
            b.append(c | 0x80)
        else:
            b.append(c)
            return bytes(b)

def field(num, payload):  # length-delimited
    return varint(num << 3 | 2) + varint(len(payload)) + payload

def vfield(num, v):
    return varint(num << 3) + varint(v)

n = int(sys.argv[1])
value = int(sys.argv[3]) if len(sys.argv) > 3 else 0
out = bytearray()
strings = ["", "samples", "count"]
out += field(1, vfield(1, 1) + vfield(2, 2))
for i in range(1, n + 1):
    out += field(2, field(1, varint(i)) + field(2, varint(value or i)))
for i in range(1, n + 1):
    out += field(4, vfield(1, i) + field(4, vfield(1, i)))
for i in range(1, n + 1):
    out += field(5, vfield(1, i) + vfield(2, 2 + i))
for s in strings:
    out += field(6, s.encode())
for i in range(1, n + 1):
    out += field(6, b"f%d" % i)
with gzip.open(sys.argv[2], "wb", compresslevel=1) as f:
    f.write(out)
