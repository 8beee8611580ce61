#!/usr/bin/env python3
"""check_output_set.py DIR: DIR is one complete tuneprep output set, or absent.

Prints "absent", or "seed N" (the manifest's seed, which the tests use to tell the previous set
from the new one). Fails (exit 1) when a file listed in manifest.json is missing or its sha256 or
size differs, when the directory holds a file the manifest does not list, or when DIR exists
without a manifest. Used by prepare_kill.sh, prepare_signals.sh and prepare_output_set.sh.
"""
import hashlib
import json
import os
import sys

d = sys.argv[1]
if not os.path.lexists(d):
    print("absent")
    sys.exit(0)
names = set(os.listdir(d))
if "manifest.json" not in names:
    sys.exit(f"{d}: no manifest.json beside {sorted(names)}")
m = json.load(open(os.path.join(d, "manifest.json")))
listed = {"manifest.json"}
for entry in m["outputs"] + m["reports"]:
    path = os.path.join(d, entry["path"])
    data = open(path, "rb").read()
    if hashlib.sha256(data).hexdigest() != entry["sha256"] or len(data) != entry["bytes"]:
        sys.exit(f"{path}: sha256 or size differs from manifest.json")
    listed.add(entry["path"])
if names != listed:
    sys.exit(f"{d}: files not in manifest.json: {sorted(names - listed)}")
print(f"seed {m['options']['seed']}")
