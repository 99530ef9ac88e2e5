#!/usr/bin/env python3
"""One timed run for tests/bench/run.sh.

usage: measure.py RUNS_FILE CMD...

Runs CMD with its output to /dev/null and appends "wall_ms cpu_ms rss_kb
exit" to RUNS_FILE. Wall and cpu are the command's own: it is started
directly, and cpu is user+sys of the whole process tree from wait4, in
microseconds. Peak RSS is taken once per RUNS_FILE, in a separate untimed
run under /usr/bin/time (its %M is the largest process in the tree,
hivehunt's per-hive child included): a command started from Python
inherits Python's peak RSS, and timing it under /usr/bin/time would add
that program's own start (about 5 ms on a small VM) to every figure.
"""
import os
import subprocess
import sys
import tempfile
import time


def peak_rss_kb(cmd):
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lines = [l for l in tf.read().splitlines() if l.strip()]
    return int(lines[-1]) if lines and lines[-1].strip().isdigit() else 0


def main():
    runs_file, cmd = sys.argv[1], sys.argv[2:]
    rss = 0 if os.path.exists(runs_file) else peak_rss_kb(cmd)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    with open(runs_file, "a") as f:
        f.write(f"{wall * 1000:.1f} {cpu * 1000:.1f} {rss} {code}\n")


if __name__ == "__main__":
    main()
