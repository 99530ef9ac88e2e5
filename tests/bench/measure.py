#!/usr/bin/env python3
"""One timed run for tests/bench/run.sh.

usage: measure.py RUNS_FILE CMD...

Runs CMD under /usr/bin/time (its %M is the peak RSS of the largest process
in the tree, hivehunt's per-hive child included), output to /dev/null, and
appends "wall_ms cpu_ms rss_kb exit" to RUNS_FILE. cpu is user+sys of the
whole tree from wait4, in microseconds rather than time's 10 ms ticks.
"""
import os
import subprocess
import sys
import tempfile
import time


def main():
    runs_file, cmd = sys.argv[1], sys.argv[2:]
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        t0 = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        lines = [l for l in tf.read().splitlines() if l.strip()]
    rss = int(lines[-1]) if lines and lines[-1].strip().isdigit() else 0
    # /usr/bin/time passes the command's exit code through
    code = proc.returncode
    cpu = usage.ru_utime + usage.ru_stime
    with open(runs_file, "a") as f:
        f.write(f"{wall * 1000:.1f} {cpu * 1000:.1f} {rss} {code}\n")


if __name__ == "__main__":
    main()
