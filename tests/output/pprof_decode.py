#!/usr/bin/env python3
"""An independent reader of pprof profiles: python's gzip module and a
hand-written protobuf wire parser for profile.proto (github.com/google/pprof
proto/profile.proto), sharing nothing with pgsort's encoder.

decode(bytes) returns the Profile as dicts and checks it on the way:
string table (index 0 is ""), every string index in range, ids unique and
non-zero, every sample's location ids and every line's function id resolve.

Run as a program, it prints a summary that golden files can hold:
    pprof_decode.py FILE.pb.gz
"""
import gzip
import sys


class Bad(Exception):
    pass


def varint(b, i):
    v = shift = 0
    while True:
        if i >= len(b):
            raise Bad("varint runs past the end")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i
        if shift > 63:
            raise Bad("varint longer than 10 bytes")


def fields(b):
    """(field number, wire type, value) of each field of message b."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if f == 0:
            raise Bad("field number 0")
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        elif wt == 2:
            n, i = varint(b, i)
            if i + n > len(b):
                raise Bad("length-delimited field past the end")
            v, i = b[i:i + n], i + n
        else:
            raise Bad("wire type %d" % wt)
        yield f, wt, v
    if i != len(b):
        raise Bad("message overruns")


def int64(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def packed(wt, v):
    """A repeated scalar field, packed (wire type 2) or not."""
    if wt == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append(x)
    return out


def message(b, spec):
    """spec: field -> (name, kind); kind 'int', 'ints' (repeated), 'msg:SPEC'."""
    m = {}
    for name, kind in spec.values():
        m[name] = [] if kind.startswith("rep") or kind == "ints" else 0
    for f, wt, v in fields(b):
        if f not in spec:
            continue
        name, kind = spec[f]
        if kind == "int":
            if wt != 0:
                raise Bad("%s: wire type %d" % (name, wt))
            m[name] = int64(v)
        elif kind == "ints":
            m[name] += [int64(x) for x in packed(wt, v)]
        elif kind == "rep-bytes":
            m[name].append(bytes(v))
        else:
            if wt != 2:
                raise Bad("%s: not a message" % name)
            m[name].append(message(v, SPECS[kind[4:]]))
    return m


SPECS = {
    "ValueType": {1: ("type", "int"), 2: ("unit", "int")},
    "Label": {1: ("key", "int"), 2: ("str", "int"), 3: ("num", "int"), 4: ("num_unit", "int")},
    "Sample": {1: ("location_id", "ints"), 2: ("value", "ints"), 3: ("label", "rep:Label")},
    "Mapping": {1: ("id", "int"), 2: ("memory_start", "int"), 3: ("memory_limit", "int"),
                5: ("filename", "int"), 7: ("has_functions", "int")},
    "Line": {1: ("function_id", "int"), 2: ("line", "int")},
    "Location": {1: ("id", "int"), 2: ("mapping_id", "int"), 3: ("address", "int"),
                 4: ("line", "rep:Line")},
    "Function": {1: ("id", "int"), 2: ("name", "int"), 3: ("system_name", "int"),
                 4: ("filename", "int")},
    "Profile": {1: ("sample_type", "rep:ValueType"), 2: ("sample", "rep:Sample"),
                3: ("mapping", "rep:Mapping"), 4: ("location", "rep:Location"),
                5: ("function", "rep:Function"), 6: ("string_table", "rep-bytes"),
                9: ("time_nanos", "int"), 10: ("duration_nanos", "int"),
                11: ("period_type", "rep:ValueType"), 12: ("period", "int"),
                13: ("comment", "ints"), 14: ("default_sample_type", "int")},
}


def by_id(items, what):
    out = {}
    for x in items:
        if x["id"] <= 0 or x["id"] in out:
            raise Bad("%s id %d zero or repeated" % (what, x["id"]))
        out[x["id"]] = x
    return out


def decode(data):
    if data[:3] != b"\x1f\x8b\x08":
        raise Bad("not gzip/deflate")
    p = message(gzip.decompress(data), SPECS["Profile"])
    st = [s.decode("utf-8") for s in p["string_table"]]   # proto3: UTF-8
    if not st or st[0] != "":
        raise Bad("string_table[0] is not the empty string")
    p["strings"] = st

    def s(i):
        if not 0 <= i < len(st):
            raise Bad("string index %d out of range" % i)
        return st[i]

    for vt in p["sample_type"]:
        vt["type_s"], vt["unit_s"] = s(vt["type"]), s(vt["unit"])
    p["default_sample_type_s"] = s(p["default_sample_type"])
    p["comment_s"] = [s(c) for c in p["comment"]]
    maps = by_id(p["mapping"], "mapping")
    funcs = by_id(p["function"], "function")
    locs = by_id(p["location"], "location")
    for f in funcs.values():
        f["name_s"], f["system_name_s"] = s(f["name"]), s(f["system_name"])
    for m in maps.values():
        m["filename_s"] = s(m["filename"])
    for loc in locs.values():
        if loc["mapping_id"] and loc["mapping_id"] not in maps:
            raise Bad("location %d: mapping %d missing" % (loc["id"], loc["mapping_id"]))
        if not loc["line"]:
            raise Bad("location %d has no line" % loc["id"])
        for ln in loc["line"]:
            if ln["function_id"] not in funcs:
                raise Bad("location %d: function %d missing" % (loc["id"], ln["function_id"]))
    for sm in p["sample"]:
        if len(sm["value"]) != len(p["sample_type"]):
            raise Bad("sample with %d values for %d types"
                      % (len(sm["value"]), len(p["sample_type"])))
        for lid in sm["location_id"]:
            if lid not in locs:
                raise Bad("sample location %d missing" % lid)
        # Leaf first in the file: root first here, as folded stacks are.
        fr = [funcs[locs[lid]["line"][0]["function_id"]] for lid in sm["location_id"]]
        sm["names"] = [f["name_s"] for f in reversed(fr)]
        sm["system_names"] = [f["system_name_s"] for f in reversed(fr)]
        sm["labels"] = [(s(lb["key"]), s(lb["str"]) if lb["str"] else lb["num"])
                        for lb in sm["label"]]
    return p


def summary(p):
    out = ["sample_type: " + " ".join("%s/%s" % (v["type_s"], v["unit_s"])
                                      for v in p["sample_type"]),
           "default_sample_type: " + p["default_sample_type_s"],
           "samples %d locations %d functions %d mappings %d"
           % (len(p["sample"]), len(p["location"]), len(p["function"]), len(p["mapping"]))]
    for sm in p["sample"]:
        lab = "".join(" {%s=%s}" % kv for kv in sm["labels"])
        out.append(" ".join(str(v) for v in sm["value"]) + lab + " " + ";".join(sm["names"]))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as fh:
        sys.stdout.write(summary(decode(fh.read())))
