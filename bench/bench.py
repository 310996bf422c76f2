#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""tether against OpenSSH, side by side, in one run: prints ratios.

Started by bench/run.sh, which builds the helpers first. It starts a private
sshd and a tetherd on 127.0.0.1, runs each measure interleaved (A/B, the
side that goes first alternating every round), prints one table and writes
it, with the method, to a Markdown file. Every process it starts is ended
by PID when it exits, whatever the reason. Standard library only.
"""

import argparse
import datetime
import os
import platform
import pwd
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import echo  # noqa: E402  (bench/echo.py)

SSHD = "/usr/sbin/sshd"
SFTP_SERVER = "/usr/lib/openssh/sftp-server"
STD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
ECHO_CMD = "stty echo -icanon -ixon; printf '%s%s\\n' REA DY; " \
    "exec cat >/dev/null"
LOOP_CMD = "i=0; while [ $i -lt 20 ]; do sleep 0.5; i=$((i+1)); done; " \
    "echo served"

# Rounds and sizes: (full, quick).
PLAN = {
    "connect":     (20, 6),
    "viewer":      (15, 5),
    "exec":        (200, 40),
    "mux":         (200, 50),
    "echo_keys":   (3000, 2000),
    "echo_block":  (20, 20),
    "vecho_keys":  (2000, 1000),
    "bulk_mib":    (1024, 256),
    "bulk_rounds": (10, 3),
    "rss":         (10, 3),
    "conc_n":      (50, 50),
    "conc_rounds": (3, 1),
    "flood_n":     (2000, 500),
    "flood_rounds": (2, 1),
    "kdf":         (10, 5),
    "start":       (30, 10),
    "form":        (10, 5),
    "whatif":      (10, 5),
    "snapshot":    (10, 10),
    "snapphoto":   (10, 10),
    "budget_s":    (560, 150),
}

# Rough seconds each step takes in a full run on a 2-core machine: a step
# starts only if that much of the budget is left, so the run ends in time.
COST = {"connect": 15, "viewer": 15, "exec": 80, "mux": 20, "echo": 10,
        "vecho": 15, "bulk": 110, "rss": 25, "concurrency": 80,
        "flood": 70, "kdf": 5, "start": 3, "form": 3, "whatif": 30,
        "snapshot": 20, "snapphoto": 25}

# The snapshot measures' frames: 1920x1080 at 32 bpp, XRGB8888, made by
# bench/snapbench.c with the option given here.
SNAP_W, SNAP_H = 1920, 1080
SNAP_FRAMES = {"desktop": "-w", "photo": "-p"}


def now():
    return time.monotonic()


def fails_text(fails):
    return "failures %d / %d" % (fails["tether"], fails["OpenSSH"])


def median(v):
    return statistics.median(v) if v else float("nan")


def p99(v):
    return echo.percentile(v, 99) if v else float("nan")


def paired(res, hi_better=False):
    """Per-round ratios tether/OpenSSH of interleaved samples, paired by
    round: (min, median, max), or None."""
    a, b = res.get("tether", []), res.get("OpenSSH", [])
    r = sorted(x / y for x, y in zip(a, b) if y)
    if not r:
        return None
    return (r[0], statistics.median(r), r[-1])


def spread_text(s, fmt="%.2f"):
    return "-" if s is None else "/".join(fmt % x for x in s)


# The interval a verdict is taken on: a bootstrap of the row's own
# figure over its rounds, BOOT_N resamples, the middle BOOT_LEVEL of them.
BOOT_N = 1000
BOOT_LEVEL = 0.90


def boot(stat, items):
    """(low, high): where stat(items) would land, by resampling items with
    replacement; a fixed seed, so one set of samples gives one interval.
    None with fewer than 3 items."""
    k = len(items)
    if k < 3:
        return None
    rng = random.Random(1)
    v = sorted(stat([items[rng.randrange(k)] for _ in range(k)])
               for _ in range(BOOT_N))
    cut = int(BOOT_N * (1 - BOOT_LEVEL) / 2)
    return (v[cut], v[BOOT_N - 1 - cut])


def ci_ratio(res, stat=None):
    """The interval of stat(tether) / stat(OpenSSH) (median by default),
    resampling whole rounds, so each pair of samples stays together."""
    stat = stat or median
    pairs = list(zip(res.get("tether", []), res.get("OpenSSH", [])))
    return boot(lambda g: stat([x for x, _ in g]) / stat([y for _, y in g]),
                pairs)


def ci_text(ci, fmt="%.2f"):
    return "-" if ci is None else (fmt + "-" + fmt) % ci


def verdict(ok, ci, goal_lo=None, goal_hi=None, hard=True):
    """ok, unless the goal lies inside ci, the interval of the figure the
    goal is on: then "in noise", as the samples cannot tell which side of
    the goal the code is, and a pass or a FAIL would flip from run to run.
    hard: what must hold whatever the noise (no failures, a size)."""
    if not hard:
        return False
    if ok is None or ci is None:
        return ok
    if any(g is not None and ci[0] <= g <= ci[1] for g in (goal_lo, goal_hi)):
        return "in noise"
    return ok


class BenchError(Exception):
    pass


# ---------------------------------------------------------------- /proc

def proc_table():
    """{pid: (ppid, comm, starttime)} for every process."""
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                data = f.read()
        except OSError:
            continue
        lp, rp = data.find("("), data.rfind(")")
        rest = data[rp + 2:].split()
        # rest[0] is the state, rest[1] ppid, rest[19] starttime.
        table[int(name)] = (int(rest[1]), data[lp + 1:rp], rest[19],
                            rest[0])
    return table


def descendants(root, table=None):
    table = table if table is not None else proc_table()
    kids = {}
    for pid, ent in table.items():
        kids.setdefault(ent[0], []).append(pid)
    out, todo = [], [root]
    while todo:
        for k in kids.get(todo.pop(), []):
            out.append(k)
            todo.append(k)
    return out


def status_kib(pid, field):
    try:
        path = "/proc/%d/%s" % (pid, "smaps_rollup" if field == "Pss"
                                else "status")
        with open(path) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def alive(pid):
    t = proc_table().get(pid)
    return t is not None and t[3] != "Z"


# ---------------------------------------------------------------- sides

class Side:
    """One server and how the same stock client reaches it."""

    def __init__(self, name, comm, user, key, port, pid):
        self.name, self.comm, self.user = name, comm, user
        self.key, self.port, self.pid = key, port, pid

    def server_procs(self, with_listener=True):
        table = proc_table()
        pids = [p for p in descendants(self.pid, table)
                if table[p][1] == self.comm and table[p][3] != "Z"]
        return ([self.pid] if with_listener else []) + pids


class Bench:

    def __init__(self, opts):
        self.opts = opts
        self.quick = opts.quick
        self.build = opts.build
        self.tmp = tempfile.mkdtemp(prefix="tether-bench.")
        self.shm = tempfile.mkdtemp(prefix="tether-bench.", dir="/dev/shm")
        self.live = []          # Popen objects we started and must end
        self.servers = []       # listener Popen objects, ended last
        self.made_run_sshd = False
        self.rows = []
        self.notes = []
        self.t0 = now()
        self.budget = self.plan("budget_s")
        self.shell = pwd.getpwuid(os.getuid()).pw_shell or "/bin/sh"
        self.idle = {}
        self.viewer_ms = None
        self.load0 = loadavg()

    def plan(self, key):
        return PLAN[key][1 if self.quick else 0]

    def log(self, msg):
        print("bench: %s" % msg, file=sys.stderr, flush=True)

    def left(self):
        return self.budget - (now() - self.t0)

    # ------------------------------------------------------ processes

    def spawn(self, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(argv, **kw)
        self.live.append(p)
        return p

    def reap(self, p, timeout=5.0):
        """End one process we started: TERM, then KILL."""
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
            except ProcessLookupError:
                pass
        if p in self.live:
            self.live.remove(p)

    def run(self, argv, timeout=30.0, out=False, env=None, quiet=False):
        """Run to completion, bounded; return (seconds, rc, stdout)."""
        p = self.spawn(argv, stdout=subprocess.PIPE if out else
                       subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        t0 = time.perf_counter()
        try:
            so, se = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.reap(p)
            return (time.perf_counter() - t0, -1, b"")
        dt = time.perf_counter() - t0
        self.live.remove(p)
        if p.returncode != 0 and se and not quiet:
            self.log("%s: %s" % (os.path.basename(argv[0]),
                                 se.decode(errors="replace").strip()[:300]))
        return (dt, p.returncode, so or b"")

    def taken(self, side):
        """What runs under a server now, as (pid, starttime)."""
        table = proc_table()
        return {(q, table[q][2]) for q in descendants(side.pid, table)}

    def sweep(self, taken, wait=5.0):
        """Give what a session left behind `wait` seconds to end by itself
        (sshd leaves an exec command running when its client goes), then
        end it by PID. Returns how many had to be killed."""
        end, n = now() + wait, 0
        while True:
            table = proc_table()
            left = [q for q, st in taken if q in table and
                    table[q][2] == st and table[q][3] != "Z"]
            if not left or now() >= end:
                break
            time.sleep(0.05)
        for q in left:
            try:
                os.kill(q, signal.SIGKILL)
                n += 1
            except ProcessLookupError:
                pass
        return n

    def cleanup(self):
        for p in list(self.live):
            if p not in self.servers:
                self.reap(p, timeout=2)
        # What the servers started is ended by PID too, after them.
        table = proc_table()
        orphans = []
        for s in self.servers:
            for pid in descendants(s.pid, table):
                orphans.append((pid, table[pid][2]))
        for s in self.servers:
            self.reap(s, timeout=5)
        table = proc_table()
        for pid, start in orphans:
            if pid in table and table[pid][2] == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.made_run_sshd:
            try:
                os.rmdir("/run/sshd")
            except OSError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.shm, ignore_errors=True)

    # ------------------------------------------------------ servers

    def ssh_opts(self, **over):
        o = {
            "BatchMode": "yes", "StrictHostKeyChecking": "no",
            "UserKnownHostsFile": "/dev/null",
            "GlobalKnownHostsFile": "/dev/null", "LogLevel": "ERROR",
            "IdentitiesOnly": "yes", "IdentityAgent": "none",
            "ControlMaster": "no", "ControlPath": "none",
            "ConnectTimeout": "10", "UpdateHostKeys": "no",
            "KexAlgorithms": "curve25519-sha256",
            "Ciphers": "chacha20-poly1305@openssh.com",
            "HostKeyAlgorithms": "ssh-ed25519",
            "PubkeyAcceptedAlgorithms": "ssh-ed25519",
            "Compression": "no", "ForwardAgent": "no", "ForwardX11": "no",
        }
        o.update(over)
        argv = ["-F", "/dev/null"]
        for k, v in o.items():
            argv += ["-o", "%s=%s" % (k, v)]
        return argv

    def ssh(self, side, cmd, tty=False, flags=(), **over):
        return (["ssh"] + (["-tt"] if tty else []) + list(flags) +
                self.ssh_opts(**over) +
                ["-i", side.key, "-p", str(side.port),
                 "%s@127.0.0.1" % side.user] + ([cmd] if cmd else []))

    def sftp(self, side, batch):
        return (["sftp"] + self.ssh_opts() +
                ["-i", side.key, "-P", str(side.port), "-b", batch,
                 "%s@127.0.0.1" % side.user])

    def free_port(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port

    def wait_banner(self, port, prefix, timeout=10.0):
        end = now() + timeout
        while now() < end:
            try:
                with socket.create_connection(("127.0.0.1", port),
                                              timeout=2) as s:
                    if s.recv(256).startswith(prefix):
                        return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def start_sshd(self):
        d = os.path.join(self.tmp, "sshd")
        os.makedirs(os.path.join(d, "home"))
        for k in ("host", "user"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                            "-C", "tether-bench", "-f",
                            os.path.join(d, k)], check=True, timeout=30)
        shutil.copy(os.path.join(d, "user.pub"),
                    os.path.join(d, "authorized_keys"))
        # sshd reads authorized_keys as the user; nobody's login (the RSS
        # rows) needs to reach it. The private keys stay 0600.
        os.chmod(self.tmp, 0o711)
        os.chmod(d, 0o711)
        os.chmod(os.path.join(d, "authorized_keys"), 0o644)
        cfg = os.path.join(d, "sshd_config")
        with open(cfg, "w") as f:
            f.write("""\
# Private sshd for tether's bench: loopback, key auth, nothing system-wide.
ListenAddress 127.0.0.1
HostKey {d}/host
PidFile none
AuthorizedKeysFile {d}/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
Subsystem sftp {sftp}
# Keep bash from sourcing the invoking user's ~/.bashrc (it does when
# SSH_CLIENT is set), which tetherd's sessions do not do either.
SetEnv HOME={d}/home
LogLevel ERROR
""".format(d=d, sftp=SFTP_SERVER))
        if not os.path.isdir("/run/sshd"):
            os.mkdir("/run/sshd", 0o755)
            self.made_run_sshd = True
        subprocess.run([SSHD, "-t", "-f", cfg], check=True, timeout=30)
        for _ in range(3):
            port = self.free_port()
            t0 = now()
            p = self.spawn([SSHD, "-D", "-e", "-f", cfg, "-p", str(port),
                            "-o", "ListenAddress=127.0.0.1"],
                           stdout=subprocess.DEVNULL,
                           stderr=open(os.path.join(d, "log"), "w"))
            if self.wait_banner(port, b"SSH-2.0-OpenSSH"):
                self.servers.append(p)
                self.notes.append("sshd start to first banner: %.0f ms" %
                                  ((now() - t0) * 1e3))
                return Side("OpenSSH", "sshd", pwd.getpwuid(0).pw_name,
                            os.path.join(d, "user"), port, p.pid)
            self.reap(p)
        raise BenchError("sshd did not start; see its log")

    def tetherd_config(self, d, frame="desktop"):
        """Options for a tetherd that reads a configuration file: keep its
        logs, audit file and recordings in the scratch directory, run no
        DHCP client, answer no discovery, scan no disks, and allow the 50
        authenticated connections of the concurrency measure (the default
        max_sessions is 4). Limits otherwise stay at their defaults.
        A tetherd without -f gets no options."""
        tetherd = os.path.join(self.build, "tetherd")
        r = subprocess.run([tetherd, "-h"], capture_output=True, text=True,
                           timeout=10)
        if "--config" not in r.stdout + r.stderr:
            return []
        log = os.path.join(d, "log")
        path = os.path.join(d, "tetherd.yaml")
        # A key of the bench's own, as sshd's side has: the ticket's key is
        # the host key and is not taken as a login (tetherd(8)).
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C",
                        "tether-bench", "-f", os.path.join(d, "key")],
                       check=True, timeout=30)
        with open(path, "w") as f:
            f.write("""\
# tetherd for the bench: nothing outside the scratch directory.
authorized_keys: [{key}]
network:
  mode: none
discovery:
  enabled: false
roots:
  scan: false
limits:
  max_sessions: 64
log_dir: {log}
audit:
  file: {log}/audit.log
recording:
  dir: {log}/sessions
shell: {shell}
snapshot:
  fake_fb:
    path: {frame}
    width: {w}
    height: {h}
    bpp: 32
    stride: {stride}
    red: {{offset: 16, length: 8}}
    green: {{offset: 8, length: 8}}
    blue: {{offset: 0, length: 8}}
""".format(log=log, shell=self.shell, frame=self.snap_frame(frame),
           key=os.path.join(d, "key.pub"),
           w=SNAP_W, h=SNAP_H, stride=SNAP_W * 4))
        r = subprocess.run([tetherd, "-t", "-f", path], capture_output=True,
                           text=True, timeout=10)
        if r.returncode != 0:
            raise BenchError("tetherd -t refuses the bench configuration "
                             "%s: %s" % (path, (r.stdout + r.stderr).strip()))
        return ["-f", path]

    def snap_frame(self, frame="desktop"):
        """A 1920x1080 frame of bench/snapbench.c: the desktop (gradients,
        windows with text, photos) or the photo desktop (the same with a
        large photograph grainy in one channel), as the raw XRGB the fake
        framebuffer reads and as the PPM that fbcat would give pnmtopng.
        Made once; returns the raw file's path."""
        raw = os.path.join(self.tmp, "%s.raw" % frame)
        if os.path.exists(raw):
            return raw
        subprocess.run([os.path.join(self.build, "bench", "snapbench"),
                        SNAP_FRAMES[frame], raw], check=True, timeout=60)
        with open(raw, "rb") as f:
            data = f.read()
        rgb = bytearray(SNAP_W * SNAP_H * 3)
        rgb[0::3] = data[2::4]
        rgb[1::3] = data[1::4]
        rgb[2::3] = data[0::4]
        with open(os.path.join(self.tmp, "%s.ppm" % frame), "wb") as f:
            f.write(b"P6\n%d %d\n255\n" % (SNAP_W, SNAP_H))
            f.write(rgb)
        return raw

    def m_snapphoto(self, o):
        """The snapshot measure on the photo desktop, from a tetherd whose
        fake framebuffer is that frame."""
        if not shutil.which("pnmtopng"):
            self.skip("snapshot, photo", "pnmtopng not installed",
                      "<= 0.33, size <= 1.3x")
            return
        p = self.start_tetherd("tetherd-photo", frame="photo")
        self.m_snapshot(p, o, "photo")

    def m_snapshot(self, t, o, frame="desktop"):
        """One frame to a PNG file, the way a user meets it: a plain
        "ssh ... snapshot > f.png", a connection of its own each time,
        against "ssh ... pnmtopng < frame.ppm" on the same pixels (what
        fbcat gives) through sshd. Connection set-up is in both."""
        name = "snapshot" if frame == "desktop" else "snapshot, " + frame
        if not shutil.which("pnmtopng"):
            self.skip(name, "pnmtopng not installed",
                      "<= 0.33, size <= 1.3x")
            return
        self.snap_frame(frame)
        ppm = os.path.join(self.tmp, "%s.ppm" % frame)
        cmds = {"tether": "snapshot",
                "OpenSSH": "pnmtopng < %s" % ppm}
        sizes = {}

        def one(side):
            dt, rc, png = self.run(self.ssh(side, cmds[side.name]),
                                   out=True, timeout=60)
            if rc != 0 or png[:8] != b"\x89PNG\r\n\x1a\n":
                return None
            sizes[side.name] = len(png)
            return dt * 1e3
        for side in (t, o, t, o):       # warm-up, untimed
            one(side)
        plan = self.plan("snapshot" if frame == "desktop" else "snapphoto")
        res, fails = self.interleave(plan, one, [t, o])
        a, b = median(res["tether"]), median(res["OpenSSH"])
        size = sizes.get("tether", 0) / max(1, sizes.get("OpenSSH", 1))
        s, ci = paired(res), ci_ratio(res)
        self.row("%s (1920x1080x32)" % name, "%.1f ms" % a, "%.1f ms" % b,
                 "%.2f" % (a / b), "<= 0.33, size <= 1.3x",
                 verdict(a / b <= 0.33, ci, goal_hi=0.33,
                         hard=size <= 1.3 and not any(fails.values())),
                 "plain ssh, a connection each, median of %d; ratio's "
                 "interval %s; PNG %d / %d "
                 "bytes (%.2fx); ms min/median/max %s / %s; %s" % (
                     plan, ci_text(ci), sizes.get("tether", 0),
                     sizes.get("OpenSSH", 0), size,
                     spread_text((min(res["tether"]), a,
                                  max(res["tether"])), "%.0f")
                     if res["tether"] else "-",
                     spread_text((min(res["OpenSSH"]), b,
                                  max(res["OpenSSH"])), "%.0f")
                     if res["OpenSSH"] else "-", fails_text(fails)),
                 spread_text(s))

    def start_tetherd(self, name, env_extra=None, frame="desktop"):
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        env = {"PATH": STD_PATH, "SHELL": self.shell}
        env.update(env_extra or {})
        state = os.path.join(d, "state")
        conn = os.path.join(state, "connection.yaml")
        conf = self.tetherd_config(d, frame)
        t0 = now()
        p = self.spawn([os.path.join(self.build, "tetherd")] + conf +
                       ["-b", "127.0.0.1", "-p", "0", "--no-message",
                        "--state-dir", state],
                       stdout=open(os.path.join(d, "out"), "w"),
                       stderr=open(os.path.join(d, "log"), "w"), env=env)
        end = now() + 15
        # "starting": the ticket is shown and the host key still being
        # made (scrypt's memory in use): not yet the idle listener.
        while not (os.path.exists(conn) and os.path.getsize(conn) > 0 and
                   b"state: starting" not in open(conn, "rb").read()):
            if now() > end or p.poll() is not None:
                self.reap(p)
                raise BenchError("tetherd did not start; see %s/log" % d)
            time.sleep(0.005)
        start_ms = (now() - t0) * 1e3
        self.servers.append(p)
        yget = os.path.join(self.build, "tests", "yget")
        ticket = subprocess.run([yget, conn, "ticket"], check=True,
                                capture_output=True, timeout=10,
                                text=True).stdout.strip()
        port = int(subprocess.run([yget, conn, "port"], check=True,
                                  capture_output=True, timeout=10,
                                  text=True).stdout.strip())
        key = os.path.join(d, "key")
        side = Side("tether", "tetherd", "tether", key, port, p.pid)
        side.ticket, side.start_ms, side.proc = ticket, start_ms, p
        return side

    # ------------------------------------------------------ table

    def row(self, measure, a, b, ratio, goal, ok, note="", spread="-"):
        """spread: min/median/max of what the verdict is taken on (the
        paired per-round ratio, or the value when there is no ratio)."""
        self.rows.append((measure, a, b, ratio, spread, goal, ok, note))
        print("  %-30s %12s %12s %7s %16s  %-22s %s" % (
            measure, a, b, ratio, spread, goal,
            {True: "pass", False: "FAIL", None: "-"}.get(ok, ok)),
            flush=True)

    def skip(self, measure, why, goal=""):
        self.row(measure, "n/a", "n/a", "-", goal, "n/a: %s" % why)

    def m_scripts(self):
        """Rows from scripts of their own (bench/README.md): each prints
        row<TAB>measure<TAB>tether<TAB>OpenSSH<TAB>ratio<TAB>goal<TAB>
        pass|FAIL|info<TAB>note<TAB>min/median/max lines."""
        env = dict(os.environ, BUILD=self.build, BENCH_TMP=self.tmp,
                   BENCH_QUICK="1" if self.quick else "0")
        for path in self.opts.script:
            argv = ([sys.executable] if path.endswith(".py") else
                    ["sh"]) + [path]
            try:
                r = subprocess.run(argv, capture_output=True, text=True,
                                   env=env, timeout=max(60, self.left() +
                                                        60))
            except subprocess.TimeoutExpired:
                self.skip(os.path.basename(path), "timed out")
                continue
            rows = [ln.split("\t") for ln in r.stdout.splitlines()
                    if ln.startswith("row\t")]
            if r.returncode != 0 or not rows:
                self.skip(os.path.basename(path), "exit %d: %s" % (
                    r.returncode, r.stderr.strip()[-200:]))
                continue
            for f in rows:
                f += [""] * (9 - len(f))
                ok = {"pass": True, "FAIL": False, "info": None}.get(f[6],
                                                                     f[6])
                self.row(f[1], f[2], f[3], f[4], f[5], ok, f[7],
                         f[8] or "-")

    def interleave(self, rounds, fn, sides):
        """fn(side) -> sample or None, A/B with the first side alternating."""
        out = {s.name: [] for s in sides}
        fails = {s.name: 0 for s in sides}
        for r in range(rounds):
            for s in (sides if r % 2 == 0 else sides[::-1]):
                v = fn(s)
                if v is None:
                    fails[s.name] += 1
                else:
                    out[s.name].append(v)
        return out, fails

    # ------------------------------------------------------ measures

    def m_connect(self, t, o):
        def one(side):
            dt, rc, _ = self.run(self.ssh(side, "true"))
            return dt * 1e3 if rc == 0 else None
        for s in (t, o, t, o):      # warm the page cache, untimed
            one(s)
        res, fails = self.interleave(self.plan("connect"), one, [t, o])
        a, b = median(res["tether"]), median(res["OpenSSH"])
        self.idle = {"tether": a, "OpenSSH": b}
        s, ci = paired(res), ci_ratio(res)
        self.row("connect (ssh true)", "%.1f ms" % a, "%.1f ms" % b,
                 "%.2f" % (a / b), "<= 1.0", verdict(
                     a / b <= 1.0, ci, goal_hi=1.0,
                     hard=not any(fails.values())),
                 "%d rounds; ratio's interval %s; %s" % (
                     self.plan("connect"), ci_text(ci), fails_text(fails)),
                 spread_text(s))

    def m_viewer(self, t, o):
        viewer = [os.path.join(self.build, "tether"), "--ticket", t.ticket,
                  "--ip", "127.0.0.1", "--port", str(t.port), "info"]

        # The viewer keeps the key between runs; the warm-up fills it.
        env = dict(os.environ, TETHER_KEY_CACHE=os.path.join(
            self.tmp, "keycache"))

        def one(side):
            if side is t:
                dt, rc, out = self.run(viewer, out=True, env=env)
                ok = rc == 0 and b"tether: 1" in out
            else:
                dt, rc, _ = self.run(self.ssh(side, "true"))
                ok = rc == 0
            return dt * 1e3 if ok else None
        one(t)
        one(o)
        res, fails = self.interleave(self.plan("viewer"), one, [t, o])
        a, b = median(res["tether"]), median(res["OpenSSH"])
        self.viewer_ms = a
        s, ci = paired(res), ci_ratio(res)
        self.row("connect (tether info)", "%.1f ms" % a, "%.1f ms" % b,
                 "%.2f" % (a / b), "<= 1.0", verdict(
                     a / b <= 1.0, ci, goal_hi=1.0,
                     hard=not any(fails.values())),
                 "tether info (viewer, its key cache warm) vs ssh true; "
                 "ratio's interval %s; %s" % (ci_text(ci), fails_text(fails)),
                 spread_text(s))

    def m_exec(self, t, o):
        n = self.plan("exec")

        def one(side):
            dt, rc, _ = self.run(self.ssh(side, "true"))
            return dt if rc == 0 else None
        res, fails = self.interleave(n, one, [t, o])
        a, b = sum(res["tether"]), sum(res["OpenSSH"])
        s, ci = paired(res), ci_ratio(res, sum)
        self.row("exec (%d x ssh true)" % n, "%.2f s" % a, "%.2f s" % b,
                 "%.2f" % (a / b), "<= 1.0", verdict(
                     a / b <= 1.0, ci, goal_hi=1.0,
                     hard=not any(fails.values())),
                 "per call median %.1f / %.1f ms; ratio's interval %s; %s" % (
                     median(res["tether"]) * 1e3,
                     median(res["OpenSSH"]) * 1e3, ci_text(ci),
                     fails_text(fails)),
                 spread_text(s))

    def start_master(self, side, sock):
        p = self.spawn(self.ssh(side, None, flags=["-N"], ControlMaster="yes",
                                ControlPath=sock, ControlPersist="no"),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = now() + 15
        while now() < end and p.poll() is None:
            if os.path.exists(sock):
                return p
            time.sleep(0.02)
        self.reap(p)
        raise BenchError("%s: ssh master did not start" % side.name)

    def mux_run(self, sides, n, label, goal="<= 1.0", info=False):
        masters, socks = [], {}
        try:
            for s in sides:
                socks[s.name] = os.path.join(self.tmp, "cm-%s-%d" % (
                    s.name, s.port))
                masters.append(self.start_master(s, socks[s.name]))

            def one(side):
                dt, rc, _ = self.run(self.ssh(side, "true",
                                              ControlPath=socks[side.name]))
                return dt * 1e3 if rc == 0 else None
            res, fails = self.interleave(n, one, sides)
        finally:
            for m in masters:
                self.reap(m)
        a, b = (sum(res[s.name]) / 1e3 for s in sides)
        sp = paired(res)
        ci = ci_ratio({"tether": res[sides[0].name],
                       "OpenSSH": res[sides[1].name]}, sum)
        ok = None if info else verdict(a / b <= 1.0, ci, goal_hi=1.0,
                                       hard=not any(fails.values()))
        self.row(label, "%.2f s" % a, "%.2f s" % b, "%.2f" % (a / b),
                 goal, ok, "per exec median %.1f / %.1f ms; ratio's "
                 "interval %s; %s" % (
                     median(res[sides[0].name]), median(res[sides[1].name]),
                     ci_text(ci), fails_text(fails)), spread_text(sp))

    def m_mux(self, t, o):
        n = self.plan("mux")
        self.mux_run([t, o], n, "exec, one conn (%d, mux)" % n)

    def echo_rounds(self, openers, keys, block, t, o):
        """Open a session per side (openers: name -> callable), warm them
        up, time keystrokes in interleaved blocks, close everything;
        return the tether and OpenSSH lists in microseconds."""
        sess = {}
        try:
            for name, opener in openers.items():
                sess[name] = opener()
            for s in sess.values():
                for _ in range(20):
                    s.keystroke()

            def blk(side):
                return [sess[side.name].keystroke() * 1e6
                        for _ in range(block)]
            res, _ = self.interleave(keys // block, blk, [t, o])
        finally:
            for s in sess.values():
                s.close()
                self.reap(s.proc)
        self.echo_blocks = res
        return ([x for bl in res["tether"] for x in bl],
                [x for bl in res["OpenSSH"] for x in bl])

    def echo_spread(self, stat, groups=5):
        """stat's ratio over the blocks cut into groups in time order:
        min/median/max, for what one run's worth of keystrokes varies."""
        a, b = self.echo_blocks["tether"], self.echo_blocks["OpenSSH"]
        n = min(len(a), len(b))
        if n < groups:
            return None
        r = []
        for g in range(groups):
            lo, hi = g * n // groups, (g + 1) * n // groups
            x = [v for bl in a[lo:hi] for v in bl]
            y = [v for bl in b[lo:hi] for v in bl]
            r.append(stat(x) / stat(y))
        r.sort()
        return (r[0], statistics.median(r), r[-1])

    def echo_ci(self, stat):
        """The interval of stat's ratio, resampling pairs of blocks."""
        pairs = list(zip(self.echo_blocks["tether"],
                         self.echo_blocks["OpenSSH"]))
        return boot(lambda g: stat([v for x, _ in g for v in x]) /
                    stat([v for _, y in g for v in y]), pairs)

    def m_echo(self, t, o):
        keys, block = self.plan("echo_keys"), self.plan("echo_block")

        def opener(side):
            return lambda: echo.EchoSession(
                self.ssh(side, ECHO_CMD, tty=True), spawn=self.spawn).open()
        a, b = self.echo_rounds({s.name: opener(s) for s in (t, o)}, keys,
                                block, t, o)
        s, ci = self.echo_spread(median), self.echo_ci(median)
        self.row("echo median (ssh -tt)", "%.0f us" % median(a),
                 "%.0f us" % median(b), "%.2f" % (median(a) / median(b)),
                 "<= 1.1", verdict(median(a) / median(b) <= 1.1, ci,
                                   goal_hi=1.1),
                 "%d keystrokes each, blocks of %d; spread over 5 groups "
                 "of blocks; ratio's interval %s" % (len(a), block,
                                                     ci_text(ci)),
                 spread_text(s))
        s, ci = self.echo_spread(p99), self.echo_ci(p99)
        self.row("echo p99 (ssh -tt)", "%.0f us" % p99(a),
                 "%.0f us" % p99(b), "%.2f" % (p99(a) / p99(b)),
                 "<= 1.1", verdict(p99(a) / p99(b) <= 1.1, ci, goal_hi=1.1),
                 "spread over 5 groups of blocks; ratio's interval %s" %
                 ci_text(ci), spread_text(s))

    def m_vecho(self, t, o):
        keys, block = self.plan("vecho_keys"), 10
        env = dict(os.environ, TERM="xterm-256color")
        viewer = [os.path.join(self.build, "tether"), "--ticket", t.ticket,
                  "--ip", "127.0.0.1", "--port", str(t.port), "shell"]
        openers = {
            "tether": lambda: echo.EchoSession(
                viewer, shell=True, env=env, spawn=self.spawn).open(),
            "OpenSSH": lambda: echo.EchoSession(
                self.ssh(o, None, tty=True), shell=True, env=env,
                spawn=self.spawn).open(),
        }
        a, b = self.echo_rounds(openers, keys, block, t, o)
        s, ci = self.echo_spread(median), self.echo_ci(median)
        self.row("echo median (viewer shell)", "%.0f us" % median(a),
                 "%.0f us" % median(b), "%.2f" % (median(a) / median(b)),
                 "<= 1.1", verdict(median(a) / median(b) <= 1.1, ci,
                                   goal_hi=1.1),
                 "tether shell vs ssh -tt login shell; p99 %.0f / %.0f us; "
                 "ratio's interval %s" % (p99(a), p99(b), ci_text(ci)),
                 spread_text(s))

    def m_bulk(self, t, o):
        mib, rounds = self.plan("bulk_mib"), self.plan("bulk_rounds")
        blob = os.path.join(self.shm, "blob")
        chunk = os.urandom(1 << 20)
        with open(blob, "wb") as f:
            for _ in range(mib):
                f.write(chunk)
        batch = os.path.join(self.tmp, "batch")
        with open(batch, "w") as f:
            f.write("get %s /dev/null\n" % blob)

        def one(side):
            dt, rc, _ = self.run(self.sftp(side, batch), timeout=120)
            return mib / dt if rc == 0 else None
        res, fails = self.interleave(rounds, one, [t, o])
        os.unlink(blob)
        a, b = median(res["tether"]), median(res["OpenSSH"])
        s, ci = paired(res), ci_ratio(res)
        self.row("bulk (sftp get %d MiB)" % mib, "%.0f MiB/s" % a,
                 "%.0f MiB/s" % b, "%.2f" % (a / b), ">= 0.9",
                 verdict(a / b >= 0.9, ci, goal_lo=0.9,
                         hard=not any(fails.values())),
                 "%d rounds, tmpfs to /dev/null, time includes connect; "
                 "ratio's interval %s; %s" % (rounds, ci_text(ci),
                                              fails_text(fails)),
                 spread_text(s))

    def m_rss(self, t, o):
        rounds = self.plan("rss")

        def one(side):
            p = self.spawn(self.ssh(side, "sleep 30"),
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            try:
                end = now() + 10
                while now() < end:
                    table = proc_table()
                    if any(table[q][1] == "sleep"
                           for q in descendants(side.pid, table)):
                        break
                    time.sleep(0.02)
                else:
                    return None
                time.sleep(0.2)
                procs = side.server_procs(with_listener=False)
                return (sum(status_kib(q, "VmRSS") for q in procs),
                        sum(status_kib(q, "Pss") for q in procs),
                        len(procs))
            finally:
                taken = self.taken(side)
                self.reap(p)
                self.sweep(taken, wait=3)
        res, fails = self.interleave(rounds, one, [t, o])
        a = median([x[0] for x in res["tether"]])
        b = median([x[0] for x in res["OpenSSH"]])
        self.row("RSS per connection", "%.0f KiB" % a, "%.0f KiB" % b,
                 "%.2f" % (a / b), "<= 1.0", a / b <= 1.0,
                 "server processes of one exec session (tetherd: %d, sshd: "
                 "%d), command excluded; PSS %.0f / %.0f KiB; sshd logs "
                 "root in without privilege separation after the login" % (
                     median([x[2] for x in res["tether"]]),
                     median([x[2] for x in res["OpenSSH"]]),
                     median([x[1] for x in res["tether"]]),
                     median([x[1] for x in res["OpenSSH"]])))
        self.rss_privsep(o, rounds, a)

    def rss_privsep(self, o, rounds, a):
        """sshd keeps privilege separation for the whole connection only
        for a user other than root: its two processes for a login of
        nobody (ssh -N: no shell, which nobody has not), against tether's
        two for its root login. Information beside the goal's row."""
        name = "RSS per connection, sshd privsep kept"
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            self.skip(name, "no user nobody")
            return

        def one():
            p = self.spawn(["ssh", "-N"] + self.ssh_opts() +
                           ["-i", o.key, "-p", str(o.port),
                            "nobody@127.0.0.1"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            try:
                end = now() + 10
                while now() < end:
                    procs = o.server_procs(with_listener=False)
                    if len(procs) >= 2:
                        break
                    time.sleep(0.02)
                else:
                    return None
                time.sleep(0.2)
                procs = o.server_procs(with_listener=False)
                return sum(status_kib(q, "VmRSS") for q in procs)
            finally:
                taken = self.taken(o)
                self.reap(p)
                self.sweep(taken, wait=3)
        v = [x for x in (one() for _ in range(rounds)) if x is not None]
        if not v:
            self.skip(name, "sshd did not log nobody in")
            return
        b = median(v)
        if b == 0:
            self.skip(name, "sshd's processes for nobody were gone")
            return
        self.row(name, "%.0f KiB" % a, "%.0f KiB" % b, "%.2f" % (a / b),
                 "info", None, "tether's figure from the row above; sshd: "
                 "its monitor and its unprivileged process for a login of "
                 "nobody (ssh -N), %d of %d rounds" % (len(v), rounds))

    def listener_rss(self, t, o, when):
        a, b = status_kib(t.pid, "VmRSS"), status_kib(o.pid, "VmRSS")
        self.row("RSS listener, %s" % when, "%d KiB" % a, "%d KiB" % b,
                 "%.2f" % (a / b), "<= 1.0", a / b <= 1.0,
                 "PSS %d / %d KiB" % (status_kib(t.pid, "Pss"),
                                      status_kib(o.pid, "Pss")))

    def m_concurrency(self, t, o):
        n, rounds = self.plan("conc_n"), self.plan("conc_rounds")

        def one(side):
            # Started 40 ms apart, all within 2 s of a 10 s loop: that keeps
            # the handshakes in flight under both servers' early-drop start
            # (MaxStartups 10, max_startups 10), which is not what this
            # measure is about; the flood measure is.
            procs, t0 = [], now()
            for _ in range(n):
                procs.append(self.spawn(self.ssh(side, LOOP_CMD),
                                        stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL))
                time.sleep(0.04)
            peak, peak_pss, served = 0, 0, 0
            taken = set()
            try:
                end = t0 + 45
                while now() < end and any(p.poll() is None for p in procs):
                    taken |= self.taken(side)
                    ps = side.server_procs()
                    rss = sum(status_kib(q, "VmRSS") for q in ps)
                    if rss > peak:
                        peak = rss
                        peak_pss = sum(status_kib(q, "Pss") for q in ps)
                    time.sleep(1.0)
                wall = now() - t0
                for p in procs:
                    if p.poll() is None:
                        continue
                    if p.returncode == 0 and \
                            p.stdout.read().strip() == b"served":
                        served += 1
            finally:
                for p in procs:
                    self.reap(p, timeout=2)
                    p.stdout.close()
                self.sweep(taken, wait=5)
            return (served, peak, peak_pss, wall)
        res, _ = self.interleave(rounds, one, [t, o])
        sa = min(x[0] for x in res["tether"])
        sb = min(x[0] for x in res["OpenSSH"])
        a = median([x[1] for x in res["tether"]])
        b = median([x[1] for x in res["OpenSSH"]])
        self.row("concurrency %d: served" % n, "%d/%d" % (sa, n),
                 "%d/%d" % (sb, n), "-", "all served", sa == n,
                 "fewest served over %d rounds" % rounds)
        self.row("concurrency %d: total RSS" % n, "%.1f MiB" % (a / 1024),
                 "%.1f MiB" % (b / 1024), "%.2f" % (a / b), "<= 1.5",
                 a / b <= 1.5,
                 "peak RSS sum, listener + connection processes; PSS "
                 "%.1f / %.1f MiB; wall %.1f / %.1f s" % (
                     median([x[2] for x in res["tether"]]) / 1024,
                     median([x[2] for x in res["OpenSSH"]]) / 1024,
                     median([x[3] for x in res["tether"]]),
                     median([x[3] for x in res["OpenSSH"]])))

    def m_flood(self, t, o):
        n, rounds = self.plan("flood_n"), self.plan("flood_rounds")
        stats = {"tether": [], "OpenSSH": []}

        def one(side):
            rss0 = status_kib(side.pid, "VmRSS")
            f = self.spawn([sys.executable, os.path.join(HERE, "flood.py"),
                            str(side.port), "--count", str(n),
                            "--parallel", "50", "--seconds", "60"],
                           stdout=subprocess.PIPE)
            samples, fails, drops, peak_n, peak_rss = [], 0, 0, 0, 0
            try:
                time.sleep(0.2)
                while f.poll() is None and len(samples) + fails < 60:
                    # A person whose connection is dropped tries again: the
                    # sample is the time to a session, over 5 tries at most.
                    total = 0.0
                    for _ in range(5):
                        dt, rc, _ = self.run(self.ssh(side, "true"),
                                             timeout=20, quiet=True)
                        total += dt
                        if rc == 0:
                            break
                        drops += 1
                    if rc == 0:
                        samples.append(total * 1e3)
                    else:
                        fails += 1
                    ps = side.server_procs()
                    peak_n = max(peak_n, len(ps) - 1)
                    peak_rss = max(peak_rss, sum(status_kib(q, "VmRSS")
                                                 for q in ps))
                f.wait(timeout=70)
                summary = f.stdout.read().decode().strip()
            finally:
                self.reap(f)
                f.stdout.close()
            end = now() + 10
            while now() < end and len(side.server_procs()) > 1:
                time.sleep(0.1)
            _, rc, _ = self.run(self.ssh(side, "true"), timeout=20)
            ok_after = alive(side.pid) and rc == 0
            stats[side.name].append({
                "summary": summary, "fails": fails, "drops": drops,
                "ok_after": ok_after,
                "rss0": rss0, "rss1": status_kib(side.pid, "VmRSS"),
                "peak_n": peak_n, "peak_rss": peak_rss,
                "left": len(side.server_procs()) - 1})
            return samples
        res, _ = self.interleave(rounds, one, [t, o])
        a = median([x for r in res["tether"] for x in r])
        b = median([x for r in res["OpenSSH"] for x in r])
        st, so = stats["tether"], stats["OpenSSH"]
        slow_a = a / self.idle.get("tether", a)
        slow_b = b / self.idle.get("OpenSSH", b)
        why = []
        if slow_a > 2.0:
            why.append("slower than 2x idle")
        if not all(x["ok_after"] for x in st):
            why.append("not serving afterwards")
        if sum(x["fails"] for x in st) > 0:
            why.append("%d legitimate connects dropped 5 times in a row" %
                       sum(x["fails"] for x in st))
        if not all(x["rss1"] <= 2 * x["rss0"] for x in st):
            why.append("listener RSS more than doubled")
        ok = not why
        self.row("flood: legit connect", "%.1f ms" % a, "%.1f ms" % b,
                 "%.2f" % (a / b), "<= 2x idle, alive", ok,
                 "%d connects from 127.0.0.2, 50 open at most, a third "
                 "each silent, junk, banner+junk; legit ssh true from "
                 "127.0.0.1 meanwhile, time to a session over up to 5 "
                 "tries; %d / %d samples; attempts dropped %d / %d%s" % (
                     n, sum(len(r) for r in res["tether"]),
                     sum(len(r) for r in res["OpenSSH"]),
                     sum(x["drops"] for x in st),
                     sum(x["drops"] for x in so),
                     "; tether fails: " + ", ".join(why) if why else ""))
        self.row("flood: slowdown vs idle", "%.2fx" % slow_a,
                 "%.2fx" % slow_b, "-", "<= 2.0", slow_a <= 2.0)
        for name, s in stats.items():
            for i, x in enumerate(s):
                self.notes.append(
                    "flood %s round %d: %s; legit attempts dropped %d, "
                    "legit connects failed after 5 tries %d; peak %d "
                    "connection processes, peak server RSS %d KiB; listener "
                    "RSS %d -> %d KiB; alive and serving after: %s; "
                    "processes left 10 s after: %d" % (
                        name, i + 1, x["summary"], x["drops"], x["fails"],
                        x["peak_n"],
                        x["peak_rss"], x["rss0"], x["rss1"],
                        "yes" if x["ok_after"] else "NO", x["left"]))

    def m_kdf(self):
        _, rc, out = self.run([os.path.join(self.build, "bench", "kdfbench"),
                               "time", str(self.plan("kdf"))], out=True,
                              timeout=120)
        m = re.search(r"median_ms=([\d.]+) min_ms=([\d.]+) "
                      r"max_ms=([\d.]+) cpu_median_ms=([\d.]+) "
                      r"cpu_min_ms=([\d.]+) cpu_max_ms=([\d.]+) "
                      r"maxrss_kib=(\d+) scrypt_kib=(\d+)", out.decode())
        if rc != 0 or m is None:
            self.skip("KDF (ticket -> host key)", "kdfbench failed")
            return
        wall = tuple(float(m.group(i)) for i in (2, 1, 3))
        cpu = tuple(float(m.group(i)) for i in (5, 4, 6))
        runs = [float(x) for x in re.findall(r"cpu ([\d.]+) ms",
                                             out.decode())]
        maxrss, mem = int(m.group(7)), int(m.group(8))
        # The goal is on CPU time: the wall time of a CPU-bound step on a
        # shared machine measures the other jobs (method.md, "KDF").
        self.row("KDF (ticket -> host key)", "%.1f ms CPU" % cpu[1], "n/a",
                 "-", "50-150 ms CPU, >= 32 MiB",
                 verdict(50 <= cpu[1] <= 150, boot(median, runs),
                         goal_lo=50, goal_hi=150,
                         hard=mem >= 32768 and maxrss >= 32768),
                 "scrypt N=2^15 r=8 p=1 needs %d KiB; helper peak RSS %d "
                 "KiB; %d runs; wall ms min/median/max %s (other jobs on "
                 "the machine lengthen it, not the CPU time)" % (
                     mem, maxrss, self.plan("kdf"),
                     spread_text(wall, "%.0f")),
                 spread_text(cpu, "%.0f"))

    def m_start(self, t, o):
        tether = [os.path.join(self.build, "tether"), "--version"]

        def one(side):
            dt, rc, _ = self.run(tether if side is t else ["ssh", "-V"])
            return dt * 1e3 if rc == 0 else None
        res, _ = self.interleave(self.plan("start"), one, [t, o])
        a, b = median(res["tether"]), median(res["OpenSSH"])
        v = sorted(res["tether"])
        s = (v[0], a, v[-1]) if v else None
        self.row("viewer start (--version)", "%.1f ms" % a, "%.1f ms" % b,
                 "%.2f" % (a / b), "<= 30 ms",
                 verdict(a <= 30, boot(median, v), goal_hi=30),
                 "tether --version vs ssh -V, process spawn included",
                 spread_text(s, "%.1f"))

    def m_form(self):
        env = dict(os.environ, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        samples = []
        for _ in range(self.plan("form")):
            s = echo.EchoSession([os.path.join(self.build, "tether")],
                                 env=env, spawn=self.spawn)
            t0 = time.perf_counter()
            try:
                s.start()
                s.wait_for(b"Esc quits", 10)
                samples.append((time.perf_counter() - t0) * 1e3)
            except echo.EchoError:
                pass
            finally:
                s.close()
                self.reap(s.proc)
        a = median(samples)
        v = sorted(samples)
        s = (v[0], a, v[-1]) if v else None
        self.row("viewer start (form drawn)", "%.1f ms" % a, "n/a", "-",
                 "<= 30 ms", verdict(a <= 30, boot(median, v), goal_hi=30)
                 if samples else False,
                 "tether on a 120x40 pty until the form's last line is "
                 "drawn; %d/%d drew" % (len(samples), self.plan("form")),
                 spread_text(s, "%.1f"))

    def m_whatif(self, o):
        """tetherd with TCP_NODELAY and TCP_QUICKACK set by a preload shim:
        what the Nagle / delayed-ACK fix would give. Not the shipped code."""
        shim = os.path.join(self.build, "bench", "nodelay.so")
        w = self.start_tetherd("whatif", {"LD_PRELOAD": shim,
                                          "SHIM_NODELAY": "1",
                                          "SHIM_QUICKACK": "1"})
        w.name = "tether"
        try:
            def one(side):
                dt, rc, _ = self.run(self.ssh(side, "true"))
                return dt * 1e3 if rc == 0 else None
            one(w)
            one(o)
            res, _ = self.interleave(self.plan("whatif"), one, [w, o])
            a, b = median(res["tether"]), median(res["OpenSSH"])
            self.row("what-if: connect, nodelay", "%.1f ms" % a,
                     "%.1f ms" % b, "%.2f" % (a / b), "info", None,
                     "tetherd + LD_PRELOAD shim setting TCP_NODELAY, "
                     "TCP_QUICKACK")
            self.mux_run([w, o], self.plan("whatif") * 5,
                         "what-if: exec mux, nodelay", goal="info",
                         info=True)
            env = dict(os.environ, LD_PRELOAD=shim, SHIM_NODELAY="1",
                       SHIM_QUICKACK="1")
            viewer = [os.path.join(self.build, "tether"), "--ticket",
                      w.ticket, "--ip", "127.0.0.1", "--port", str(w.port),
                      "info"]

            def view(side):
                if side is w:
                    dt, rc, _ = self.run(viewer, env=env)
                else:
                    dt, rc, _ = self.run(self.ssh(side, "true"))
                return dt * 1e3 if rc == 0 else None
            res, _ = self.interleave(self.plan("whatif"), view, [w, o])
            a, b = median(res["tether"]), median(res["OpenSSH"])
            self.row("what-if: tether info, nodelay", "%.1f ms" % a,
                     "%.1f ms" % b, "%.2f" % (a / b), "info", None,
                     "the shim in both tetherd and the viewer; scrypt still "
                     "runs once per viewer start")
        finally:
            self.servers.remove(w.proc)
            self.reap(w.proc)

    # ------------------------------------------------------ report

    def machine(self):
        cpu = "?"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        mem = status_kib_total()
        osr = "?"
        try:
            with open("/etc/os-release") as f:
                for line in f:
                    if line.startswith("PRETTY_NAME="):
                        osr = line.split("=", 1)[1].strip().strip('"')
        except OSError:
            pass

        def ver(argv):
            try:
                r = subprocess.run(argv, capture_output=True, text=True,
                                   timeout=10)
                return (r.stdout + r.stderr).strip().splitlines()[0]
            except (OSError, IndexError, subprocess.TimeoutExpired):
                return "?"
        libssh = ver(["pkg-config", "--modversion", "libssh"])
        return [
            ("date", datetime.datetime.now(datetime.timezone.utc)
             .strftime("%Y-%m-%d %H:%M UTC")),
            ("machine", "%s, nproc %d, %d MiB RAM" % (
                cpu, os.cpu_count() or 0, mem // 1024)),
            ("kernel", "%s %s" % (platform.system(), platform.release())),
            ("system", osr),
            ("OpenSSH", ver(["ssh", "-V"])),
            ("tether", "%s, libssh %s" % (
                ver([os.path.join(self.build, "tether"), "--version"]),
                libssh)),
            ("run", "%s, %.0f s" % ("quick" if self.quick else "full",
                                    now() - self.t0)),
            ("load average", "%s at start, %s at end (other jobs share "
             "the machine)" % (self.load0, loadavg())),
        ]

    def table_md(self):
        lines = ["| measure | tether | OpenSSH | ratio | min/median/max "
                 "| goal | result |",
                 "|---|---|---|---|---|---|---|"]
        for m, a, b, r, s, g, ok, _ in self.rows:
            res = {True: "pass", False: "**FAIL**", None: "info"}.get(ok, ok)
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
                m, a, b, r, s, g.replace("<=", "≤").replace(">=", "≥"),
                res))
        return "\n".join(lines)

    def write_md(self, path):
        with open(os.path.join(HERE, "method.md")) as f:
            method = f.read()
        out = ["# tether against OpenSSH: results", "",
               "Written by `make bench%s` (bench/bench.py); do not edit by "
               "hand." % ("-quick" if self.quick else ""), ""]
        for k, v in self.machine():
            out.append("- **%s**: %s" % (k, v))
        out += ["", "## Table", "", self.table_md(), "", "## Notes", ""]
        for m, _, _, _, _, _, _, note in self.rows:
            if note:
                out.append("- %s: %s" % (m, note))
        for n in self.notes:
            out.append("- %s" % n)
        prof = os.path.join(HERE, "snapprofile.md")
        if os.path.exists(prof):
            with open(prof) as f:
                out += ["", f.read().strip()]
        out += ["", method.strip(), ""]
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write("\n".join(out))
        os.rename(tmp, path)

    # ------------------------------------------------------ main

    def main(self):
        print("tether bench (%s): tether/OpenSSH, interleaved A/B" %
              ("quick" if self.quick else "full"), flush=True)
        o = self.start_sshd()
        t = self.start_tetherd("tetherd")
        self.notes.append("tetherd start to connection.yaml (scrypt "
                          "included): %.0f ms" % t.start_ms)
        print("  %-30s %12s %12s %7s %16s  %-22s %s" % (
            "measure", "tether", "OpenSSH", "ratio", "min/median/max",
            "goal", "result"))
        self.listener_rss(t, o, "idle")
        steps = [
            ("connect", lambda: self.m_connect(t, o)),
            ("viewer", lambda: self.m_viewer(t, o)),
            ("exec", lambda: self.m_exec(t, o)),
            ("mux", lambda: self.m_mux(t, o)),
            ("echo", lambda: self.m_echo(t, o)),
            ("vecho", lambda: self.m_vecho(t, o)),
            ("bulk", lambda: self.m_bulk(t, o)),
            ("rss", lambda: self.m_rss(t, o)),
            ("concurrency", lambda: self.m_concurrency(t, o)),
            ("flood", lambda: self.m_flood(t, o)),
            ("kdf", self.m_kdf),
            ("start", lambda: self.m_start(t, o)),
            ("form", self.m_form),
            ("snapshot", lambda: self.m_snapshot(t, o)),
            ("snapphoto", lambda: self.m_snapphoto(o)),
        ]
        scale = 0.3 if self.quick else 1.0
        only = self.opts.only.split(",") if self.opts.only else None
        for name, fn in steps:
            if only is not None and name not in only:
                continue
            if self.left() < COST[name] * scale:
                self.skip(name, "time budget spent")
                continue
            try:
                fn()
            except (BenchError, echo.EchoError, OSError,
                    subprocess.SubprocessError) as e:
                self.skip(name, "error: %s" % e)
        if self.opts.script and (only is None or "scripts" in only):
            self.m_scripts()
        self.listener_rss(t, o, "after run")
        if self.opts.whatif and self.left() >= COST["whatif"] * (
                0.3 if self.quick else 1.0):
            try:
                self.m_whatif(o)
            except (BenchError, OSError, subprocess.SubprocessError) as e:
                self.skip("what-if", "error: %s" % e)
        self.write_md(self.opts.out)
        print("wrote %s (%.0f s)" % (self.opts.out, now() - self.t0))


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def status_kib_total():
    try:
        with open("/proc/meminfo") as f:
            return int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--build", default=os.path.join(TOP, "build"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-whatif", dest="whatif", action="store_false")
    ap.add_argument("--script", action="append", default=[],
                    help="a row script (bench/README.md); repeatable")
    ap.add_argument("--only", default=None,
                    help="run only these steps, comma-separated")
    opts = ap.parse_args()
    opts.build = os.path.abspath(opts.build)
    if opts.out is None:
        opts.out = os.path.join(HERE, "results.md") if not opts.quick \
            else os.path.join(opts.build, "bench", "results-quick.md")
    if os.getuid() != 0:
        sys.exit("bench: run as root: the private sshd needs it to log in")
    b = Bench(opts)

    def on_signal(sig, frame):
        raise SystemExit(128 + sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        b.main()
    except BenchError as e:
        sys.exit("bench: %s" % e)
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
