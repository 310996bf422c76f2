#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Live view on the agent: tiles against a snapshot loop.

A bench row script (bench/README.md, "A row from a script"): it starts a
tetherd of its own on 127.0.0.1 with a 1920x1080 32 bpp fake framebuffer
(the desktop frame of bench/snapbench.c), toggles a 16x32 cursor block in
it twice a second, and asks for 5 frames a second for SECONDS seconds, two
ways in turn:

- tiles: one "snapshot --tiles" stream, a request byte a frame (what the
  viewer's live view does now);
- loop: "snapshot --unless HASH" a frame over one multiplexed connection
  (what it did before tiles).

It measures the agent's CPU over the window (the listener and every
process under it, from /proc), the bytes a frame on the wire (the verb's
output; SSH framing not counted), and, after the window, how long a change
of the whole screen takes to reach the client, over several changes at
random phases. It prints "row<TAB>..." lines for bench.py and a summary.

    python3 bench/live.py [--build DIR] [--seconds N] [--quick]
"""

import argparse
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

W, H, BPP = 1920, 1080, 4
CUR_X, CUR_Y, CUR_W, CUR_H = 960, 540, 16, 32
RATE = 5.0
TOGGLE_S = 0.5


def now():
    return time.monotonic()


def ticks(root):
    """CPU ticks of root and every process under it, reaped ones too."""
    table = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rindex(")") + 2:].split()
        table[int(pid)] = (int(rest[1]), sum(int(x) for x in rest[11:15]))
    total, todo = 0, [root]
    while todo:
        p = todo.pop()
        if p in table:
            total += table[p][1]
        todo += [c for c, (pp, _) in table.items() if pp == p]
    return total


class Live:

    def __init__(self, opts):
        self.opts = opts
        self.build = opts.build
        self.tmp = tempfile.mkdtemp(prefix="tether-live.")
        self.procs = []
        self.hz = os.sysconf("SC_CLK_TCK")

    def cleanup(self):
        for p in self.procs[::-1]:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def frame(self):
        self.raw = os.path.join(self.tmp, "frame.raw")
        subprocess.run([os.path.join(self.build, "bench", "snapbench"),
                        "-w", self.raw], check=True, timeout=60)
        with open(self.raw, "rb") as f:
            self.base = f.read()
        self.fd = os.open(self.raw, os.O_WRONLY)

    def cursor(self, on):
        line = (b"\xf0\xf0\xf0\x00" if on else b"\x10\x10\x10\x00") * CUR_W
        for y in range(CUR_Y, CUR_Y + CUR_H):
            os.pwrite(self.fd, line, (y * W + CUR_X) * BPP)

    def whole(self, n):
        """The frame (n even) or its negative (n odd): every tile moves."""
        if not hasattr(self, "neg"):
            self.neg = bytes(b ^ 0xff for b in self.base)
        os.pwrite(self.fd, self.neg if n % 2 else self.base, 0)

    def start(self):
        d = self.tmp
        conf = os.path.join(d, "tetherd.yaml")
        # A key of our own: the ticket's key is the agent's host key, not
        # a login (tetherd(8), PRIVILEGE SEPARATION).
        self.key = os.path.join(d, "key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        "tether-live", "-f", self.key], check=True,
                       timeout=30)
        with open(self.key + ".pub") as f:
            pub = f.read().strip()
        with open(conf, "w") as f:
            f.write("""\
authorized_keys: ["{pub}"]
network: {{mode: none}}
discovery: {{enabled: false}}
roots: {{scan: false}}
log_dir: {d}/log
audit: {{file: {d}/audit.log}}
recording: {{enabled: false}}
snapshot:
  fake_fb:
    path: {raw}
    width: {w}
    height: {h}
    bpp: 32
    red: {{offset: 16, length: 8}}
    green: {{offset: 8, length: 8}}
    blue: {{offset: 0, length: 8}}
""".format(d=d, raw=self.raw, w=W, h=H, pub=pub))
        state = os.path.join(d, "state")
        self.agent = subprocess.Popen(
            [os.path.join(self.build, "tetherd"), "-f", conf, "-b",
             "127.0.0.1", "-p", "0", "--no-message", "--state-dir", state],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(d, "agent.log"), "w"))
        self.procs.append(self.agent)
        conn = os.path.join(state, "connection.yaml")
        end = now() + 20
        while not (os.path.exists(conn) and os.path.getsize(conn) > 0):
            if now() > end or self.agent.poll() is not None:
                raise RuntimeError("tetherd did not start")
            time.sleep(0.01)
        yget = os.path.join(self.build, "tests", "yget")
        get = lambda k: subprocess.run(
            [yget, conn, k], check=True, capture_output=True, text=True,
            timeout=10).stdout.strip()
        self.ticket, self.port = get("ticket"), get("port")

    def ssh(self, cmd, *extra):
        return ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none"] + \
            list(extra) + ["-i", self.key, "-p", self.port,
                           "tether@127.0.0.1", cmd]

    # -------------------------------------------------- the two ways

    def tiles_open(self):
        p = subprocess.Popen(self.ssh("snapshot --tiles"),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.procs.append(p)
        return p

    @staticmethod
    def read_exact(f, n):
        b = b""
        while len(b) < n:
            c = f.read(n - len(b))
            if not c:
                raise RuntimeError("tile stream ended")
            b += c
        return b

    def tiles_frame(self, p):
        """One frame: (bytes, whole screen changed)."""
        p.stdin.write(b"n")
        p.stdin.flush()
        head = self.read_exact(p.stdout, 16)
        magic, w, h, n, flags, _, rest = struct.unpack(">4sHHHBBI", head)
        body = self.read_exact(p.stdout, rest)
        whole = False
        if n == 1:
            x, y, rw, rh = struct.unpack(">HHHH", body[:8])
            whole = (x, y, rw, rh) == (0, 0, w, h)
        return 16 + rest, whole

    def loop_open(self):
        self.ctl = os.path.join(self.tmp, "ctl")
        m = subprocess.Popen(self.ssh("true", "-o", "ControlMaster=yes",
                                      "-o", "ControlPath=" + self.ctl,
                                      "-o", "ControlPersist=600", "-N"),
                             stdin=subprocess.DEVNULL)
        self.procs.append(m)
        end = now() + 10
        while not os.path.exists(self.ctl) and now() < end:
            time.sleep(0.02)
        self.hash = ""
        return m

    def loop_frame(self, m):
        cmd = "snapshot --unless %s" % self.hash if self.hash else \
            "snapshot --hash"
        r = subprocess.run(self.ssh(cmd, "-o", "ControlPath=" + self.ctl,
                                    "-o", "ControlMaster=no"),
                           capture_output=True, timeout=30)
        for line in r.stderr.decode(errors="replace").splitlines():
            if line.startswith("hash "):
                self.hash = line[5:].strip()
        return len(r.stdout) + len(r.stderr), len(r.stdout) > 100000

    # -------------------------------------------------- the measure

    def window(self, frame, conn, seconds):
        """RATE frames a second for seconds, the cursor toggled every
        TOGGLE_S: (CPU % of one core, bytes a frame list)."""
        sizes, on = [], False
        t0 = now()
        c0 = ticks(self.agent.pid)
        nxt_toggle = t0
        for i in range(int(seconds * RATE)):
            t = now()
            if t >= nxt_toggle:
                on = not on
                self.cursor(on)
                nxt_toggle += TOGGLE_S
            sizes.append(frame(conn)[0])
            wait = t0 + (i + 1) / RATE - now()
            if wait > 0:
                time.sleep(wait)
        c1 = ticks(self.agent.pid)
        dt = now() - t0
        return 100.0 * (c1 - c0) / self.hz / dt, sizes

    def latency(self, frame, conn, n):
        """ms from a whole-screen change, at a random moment between two
        requests of the RATE clock, to its frame at the client."""
        out, rnd, flip = [], random.Random(22), 1
        t0 = now()
        change_at = t0 + rnd.uniform(0.3, 0.5)
        changed = None
        i = 0
        while len(out) < n and i < n * 5 * RATE:
            nxt = t0 + i / RATE
            if changed is None and change_at < nxt:
                time.sleep(max(0, change_at - now()))
                self.whole(flip)
                flip ^= 1
                changed = now()
            time.sleep(max(0, nxt - now()))
            _, whole = frame(conn)
            i += 1
            if changed is not None and whole:
                out.append((now() - changed) * 1e3)
                changed = None
                change_at = now() + rnd.uniform(0.3, 0.5)
        self.whole(0)
        frame(conn)
        return out

    def run(self):
        self.frame()
        self.start()
        secs = self.opts.seconds
        res = {}
        for name, opener, frame in (("tiles", self.tiles_open,
                                     self.tiles_frame),
                                    ("loop", self.loop_open,
                                     self.loop_frame)):
            conn = opener()
            # Warm-up: the first frame is whole, either way.
            for _ in range(3):
                frame(conn)
            cpu, sizes = self.window(frame, conn, secs)
            lat = self.latency(frame, conn, self.opts.changes)
            res[name] = (cpu, sizes, lat)
            if name == "tiles":
                conn.stdin.close()
                conn.wait(10)
            else:
                conn.terminate()
                conn.wait(10)
        return res


def verdict(v, goal):
    """On the median; "(in noise)" when the goal lies within the spread."""
    if not v:
        return "FAIL"
    ok = statistics.median(v) <= goal
    word = "pass" if ok else "FAIL"
    return word + " (in noise)" if min(v) <= goal <= max(v) else word


def spread(v, fmt):
    if not v:
        return "n/a"
    return "/".join(fmt % x for x in (min(v), statistics.median(v), max(v)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--changes", type=int, default=None)
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("BENCH_QUICK") == "1")
    opts = ap.parse_args()
    opts.build = os.path.abspath(opts.build)
    if opts.seconds is None:
        opts.seconds = 10.0 if opts.quick else 30.0
    if opts.changes is None:
        opts.changes = 5 if opts.quick else 10
    lv = Live(opts)
    try:
        res = lv.run()
    finally:
        lv.cleanup()
    tc, ts, tl = res["tiles"]
    lc, ls, ll = res["loop"]
    tb, lb = statistics.mean(ts), statistics.mean(ls)
    note = ("%g s at %g frames/s, 16x32 cursor toggled every %g s, "
            "1920x1080x32 desktop frame; before tiles (snapshot --unless "
            "loop over one connection): CPU %.1f%%, %.0f bytes a frame, "
            "full change %s ms" % (opts.seconds, RATE, TOGGLE_S, lc, lb,
                                   spread(ll, "%.0f")))
    rows = [
        ("live view: agent CPU", "%.2f%%" % tc, "%.1f%%" % lc,
         "%.2f" % (tc / lc if lc else 0), "< 3% of a core",
         tc < 3.0, "tether: tiles; OpenSSH column: the snapshot loop "
         "before tiles. " + note, ""),
        ("live view: bytes a frame", "%.0f B" % tb, "%.0f B" % lb,
         "%.3f" % (tb / lb if lb else 0), "< 2 KB a frame",
         tb < 2048, "mean over %d frames; per frame min/median/max %s "
         "(tiles)" % (len(ts), spread(ts, "%d")), spread(ts, "%d")),
        ("live view: full change", "%.0f ms" % (statistics.median(tl) if
                                                tl else -1),
         "%.0f ms" % (statistics.median(ll) if ll else -1), "-",
         "<= 250 ms", verdict(tl, 250),
         "%d changes at random moments between two requests; a change "
         "waits up to one request period (200 ms) plus the encoding, so "
         "the verdict is on the median and the slowest is shown; "
         "min/median/max %s ms (tiles), %s ms (loop)" % (
             opts.changes, spread(tl, "%.0f"), spread(ll, "%.0f")),
         spread(tl, "%.0f")),
    ]
    for r in rows:
        ok = r[5] if isinstance(r[5], str) else "pass" if r[5] else "FAIL"
        print("row\t" + "\t".join(str(x) for x in r[:5]) + "\t" + ok +
              "\t" + r[6] + "\t" + r[7])
    return 0


if __name__ == "__main__":
    sys.exit(main())
