#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Check an asciicast v2 recording: a JSON header object with version 2,
# width and height, then one [time, "o", text] array a line, times never
# going back; and that each TEXT given appears in the output joined up.
#   castcheck.py FILE [TEXT...]
# Prints one line; exit 0 if all is well, 1 if not, 2 on bad usage.

import json
import math
import sys


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_header(line):
    """The header object, and what is wrong with it."""
    try:
        head = json.loads(line)
    except ValueError as e:
        return None, ["header is not JSON: %s" % e]
    if not isinstance(head, dict):
        return None, ["header is not a JSON object"]
    errs = []
    v = head.get("version")
    if v != 2 or isinstance(v, bool):
        errs.append("header version is %r, not 2" % (v,))
    for key in ("width", "height"):
        v = head.get(key)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            errs.append("header %s is %r, not a positive integer" % (key, v))
    return head, errs


def check_event(line, last):
    try:
        ev = json.loads(line)
    except ValueError as e:
        return None, "event is not JSON: %s" % e
    if not isinstance(ev, list) or len(ev) != 3:
        return None, "event is not a 3-element array"
    t, kind, text = ev
    if not is_number(t) or not math.isfinite(t) or t < 0:
        return None, "time %r is not a non-negative number" % (t,)
    if kind != "o":
        return None, "event type %r, not \"o\"" % (kind,)
    if not isinstance(text, str):
        return None, "event text is not a string"
    if t < last:
        return None, "time goes back from %r to %r" % (last, t)
    return ev, None


def main(argv):
    if len(argv) < 2:
        print("usage: castcheck.py file [text ...]", file=sys.stderr)
        return 2
    path = argv[1]
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        print("castcheck: %s" % e)
        return 1
    try:
        lines = data.decode("utf-8").split("\n")
    except UnicodeDecodeError as e:
        print("castcheck: %s: not UTF-8: %s" % (path, e))
        return 1
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        print("castcheck: %s: empty" % path)
        return 1
    head, errs = check_header(lines[0])
    errs = ["%s:1: %s" % (path, e) for e in errs]
    last = 0
    out = []
    for n, line in enumerate(lines[1:], 2):
        ev, err = check_event(line, last)
        if err:
            errs.append("%s:%d: %s" % (path, n, err))
            break
        last = ev[0]
        out.append(ev[2])
    text = "".join(out)
    for want in argv[2:]:
        if want not in text:
            errs.append("%s: no %r in the output" % (path, want))
    for e in errs:
        print("castcheck: %s" % e)
    if errs:
        return 1
    print("ok: %s: %dx%d, %d events, %d characters" % (path, head["width"],
          head["height"], len(out), len(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
