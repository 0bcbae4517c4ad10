"""A class on one JupyterHub node: how many students at once, how fast, how much memory.

    .venv/bin/python benchmarks/bench_hub.py                       # 5, 20 and 40 students (about 10 minutes)
    .venv/bin/python benchmarks/bench_hub.py --students 5 20       # only these class sizes
    .venv/bin/python benchmarks/bench_hub.py --transport tcp --students 20 --output /tmp/tcp.md
    .venv/bin/python benchmarks/bench_hub.py --wait-quiet 600      # first wait (<= 600 s) for load < 1.5

For each class size a fresh private JupyterHub starts on 127.0.0.1 with exactly the class test's setup
(tests/hub_support.py: shared-password login, SimpleLocalProcessSpawner, configurable-http-proxy from
npm, the README's single-user settings, a bare clone of this repository as the course repository).
All N students follow the README's link at the same moment (one thread each, like a class told "click
now"); each then runs chapter 01 (the page the link opens) and chapter 05 top to bottom in their own
server over the kernel websocket, and leaves both kernels running, as students do. Measured:

  * per student: seconds from following the link to the course open (server started, clone done, the
    lab page served), to chapter 01 executed, to chapter 05 executed;
  * failed kernels: a kernel that did not start, died, or a cell that raised (and the hub log's
    "Address already in use" / "Kernel died" lines); failed students (link not followed);
  * memory once everyone is done, all kernels alive: per student, the single-user server plus its two
    kernels, as RSS and as PSS (shared pages divided among the processes sharing them: what adds up);
    the hub and the proxy; the peak of the whole hub's RSS during the run;
  * CPU: the machine's busy share (both cores, from /proc/stat, sampled every second) during the run, and
    the share of samples at >= 95 % (saturated); the load average before and after. Other jobs on the
    machine are not excluded: the idle check before each run says how busy it already was.

The result goes to benchmarks/results/hub.md (or --output). Not part of the pytest suite. Everything
listens on 127.0.0.1 only; every wait is bounded.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from _machine import cpu_model  # noqa: E402
import hub_support as hs  # noqa: E402

CHAPTERS = ["01_perceptron", "05_matrix_form"]
FOLDER = "backprop-course"
MiB = 1024 * 1024
KERNEL_TROUBLE = re.compile(r"Address already in use|Kernel died|KernelRestarter|restarting kernel|"
                            r"ZMQError|Failed to start", re.I)


def cpu_times():
    with open("/proc/stat") as f:
        fields = [float(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields), idle


class Sampler(threading.Thread):
    """Every second: the machine's CPU busy share and the hub tree's total RSS."""

    def __init__(self, hub):
        super().__init__(daemon=True)
        self.hub, self.busy, self.rss, self.stop_event = hub, [], [], threading.Event()

    def run(self):
        last = cpu_times()
        while not self.stop_event.wait(1.0):
            now = cpu_times()
            total, idle = now[0] - last[0], now[1] - last[1]
            last = now
            if total > 0:
                self.busy.append(100.0 * (1 - idle / total))
            rss = 0
            for p in self.hub.processes():
                try:
                    rss += p.memory_info().rss
                except psutil.Error:
                    pass
            self.rss.append(rss)


def idle_check(seconds=5.0) -> float:
    a = cpu_times()
    time.sleep(seconds)
    b = cpu_times()
    return 100.0 * (1 - (b[1] - a[1]) / (b[0] - a[0]))


def _cpu_seconds(p: psutil.Process, waited: bool = True) -> float:
    """CPU time (user + system) of a process, with its finished children (git, for a server) if waited."""
    c = p.cpu_times()
    return c.user + c.system + ((c.children_user + c.children_system) if waited else 0.0)


def memory(hub) -> dict:
    """Per student (server + kernels) RSS and PSS in MiB, and the hub's and proxy's RSS."""
    out = {"students": [], "hub": 0.0, "proxy": 0.0}
    procs = hub.processes()
    if not procs:
        return out
    hub_proc = procs[0]
    out["hub"] = hub_proc.memory_info().rss / MiB
    out["hub_cpu"] = _cpu_seconds(hub_proc, waited=False)
    for child in hub_proc.children():
        try:
            cmd = " ".join(child.cmdline())
            if "configurable-http-proxy" in cmd:
                out["proxy"] += child.memory_info().rss / MiB
                out["proxy_cpu"] = _cpu_seconds(child)
            elif "jupyterhub-singleuser" in cmd:
                tree = [child, *child.children(recursive=True)]
                kernels = [p for p in tree[1:] if "ipykernel" in " ".join(p.cmdline())]
                rss = sum(p.memory_info().rss for p in tree) / MiB
                pss = sum(p.memory_full_info().pss for p in tree) / MiB
                cpu = sum(_cpu_seconds(p) for p in tree)
                out["students"].append({"rss": rss, "pss": pss, "cpu": cpu, "kernels": len(kernels),
                                        "server_rss": child.memory_info().rss / MiB,
                                        "kernel_rss": [k.memory_info().rss / MiB for k in kernels]})
        except psutil.Error:
            pass
    return out


def one_class(n: int, proxy: Path, transport: str, timeout: float) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="hubb", dir="/tmp"))
    users = [f"student{i:02d}" for i in range(1, n + 1)]
    args = [a for a in hs.SINGLEUSER_ARGS if "transport" not in a] + [f"--KernelManager.transport={transport}"]
    hub = hs.Hub(workdir, users, proxy, singleuser_args=args)
    result = {"n": n, "transport": transport, "students": {}, "load_before": os.getloadavg()}
    try:
        bare, branch = hs.public_repository(workdir)
        result["idle_before"] = idle_check()
        hub.start()
        link = hs.readme_link_recipe()(hub.url, f"file://{bare}", branch=branch)
        sampler = Sampler(hub)
        sampler.start()
        start = time.monotonic()

        def student(name):
            s = hs.Student(hub, name)
            rec = {"errors": [], "failed_kernels": 0}
            try:
                s.follow_link(link, timeout=timeout)
                rec["open"] = time.monotonic() - start
            except Exception as e:  # noqa: BLE001 - recorded as this student's failure
                rec["failure"] = f"{type(e).__name__}: {e}"[:400]
                return name, rec
            for chapter in CHAPTERS:   # a kernel that dies, hangs or raises is a failed kernel
                try:
                    errors = s.run_notebook(f"{FOLDER}/chapters/{chapter}.ipynb", cell_timeout=timeout)
                except Exception as e:  # noqa: BLE001
                    errors = [f"{type(e).__name__}: {e}"[:400]]
                rec["errors"] += [f"{chapter}: {e}" for e in errors]
                rec["failed_kernels"] += bool(errors)
                if errors:
                    break
                rec[chapter] = time.monotonic() - start
            return name, rec

        with ThreadPoolExecutor(n) as pool:
            result["students"] = dict(pool.map(student, users))
        result["wall"] = time.monotonic() - start
        time.sleep(2)
        result["memory"] = memory(hub)
        sampler.stop_event.set()
        sampler.join(5)
        result["busy"], result["rss_peak"] = sampler.busy, max(sampler.rss, default=0) / MiB
        log = hub.log_path.read_text(errors="replace")
        result["log_trouble"] = [line[:200] for line in log.splitlines() if KERNEL_TROUBLE.search(line)]
    finally:
        t = time.monotonic()
        hub.stop()
        result["stop_s"] = time.monotonic() - t
        result["load_after"] = os.getloadavg()
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def stats(values):
    values = sorted(values)
    if not values:
        return "-"
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    return f"{statistics.median(values):.1f} / {p90:.1f} / {values[-1]:.1f}"


def report(results, started) -> str:
    import numpy
    import jupyterhub
    import nbgitpuller
    lines = [
        "# A class on one JupyterHub node",
        "",
        f"Written by `benchmarks/bench_hub.py` on {started:%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {cpu_model()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.1f} GiB, "
        f"{platform.system()} {platform.machine()}; Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"JupyterHub {jupyterhub.__version__}, nbgitpuller {nbgitpuller.__version__}, "
        f"configurable-http-proxy {hs.PROXY_PACKAGE.split('@')[1]}.x.",
        "- Setup: the class test's hub (tests/hub_support.py): shared-password login, SimpleLocalProcessSpawner,"
        f" single-user args `{' '.join(hs.SINGLEUSER_ARGS)}` (transport as in the table), env "
        f"`{' '.join(f'{k}={v}' for k, v in hs.SINGLEUSER_ENV.items())}`, nbgrader's server extensions off "
        "(students' environment has no nbgrader). All students follow the README's link at the same moment, "
        f"then run chapters {' and '.join(CHAPTERS)} over the kernel websocket; kernels stay alive.",
        "- Times are seconds from the moment all students follow the link (median / p90 / max over students)."
        " Failed kernels: chapter runs whose kernel died, hung or raised (a student stops at the first);"
        " kernel errors in hub log: lines such as `Address already in use` or `restarting kernel`;"
        " failed students: could not follow the link.",
        "- Other jobs share this machine: the CPU busy share before each run (5 s idle check) and the load "
        "averages are given; times measured under outside load are upper bounds.",
        "",
        "| students | transport | course open (s) | chapter 01 done (s) | chapter 05 done (s) | all done (s) |"
        " failed kernels | kernel errors in hub log | failed students | CPU busy during run | samples >= 95 % |"
        " busy before | load 1 min before -> after |",
        "|" + "---:|" * 13,
    ]
    for r in results:
        st = r["students"].values()
        failed_students = sum(1 for s in st if "failure" in s)
        failed_kernels = sum(s.get("failed_kernels", 0) for s in st)
        busy = r.get("busy", [])
        lines.append(
            f"| {r['n']} | {r['transport']} | {stats([s['open'] for s in st if 'open' in s])} | "
            f"{stats([s[CHAPTERS[0]] for s in st if CHAPTERS[0] in s])} | "
            f"{stats([s[CHAPTERS[1]] for s in st if CHAPTERS[1] in s])} | {r.get('wall', 0):.0f} | "
            f"{failed_kernels} | {len(r.get('log_trouble', []))} | {failed_students} | "
            f"{statistics.mean(busy) if busy else 0:.0f} % | "
            f"{100 * sum(b >= 95 for b in busy) / max(1, len(busy)):.0f} % | {r.get('idle_before', 0):.0f} % | "
            f"{r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f} |")
    lines += [
        "",
        "Resources once every student is done (each with a server and two kernels alive):",
        "",
        "| students | per student RSS (MiB) | per student PSS (MiB) | per student CPU time (s) |"
        " hub + proxy RSS (MiB) | hub + proxy CPU time (s) | peak RSS, whole hub (MiB) |",
        "|" + "---:|" * 7,
    ]
    for r in results:
        mem = r.get("memory", {"students": [], "hub": 0, "proxy": 0})
        col = lambda key: [m[key] for m in mem["students"]]  # noqa: E731
        mean = lambda xs: statistics.mean(xs) if xs else 0.0  # noqa: E731
        lines.append(
            f"| {r['n']} | {mean(col('rss')):.0f} | {mean(col('pss')):.0f} | {mean(col('cpu')):.1f} | "
            f"{mem['hub']:.0f} + {mem['proxy']:.0f} | {mem.get('hub_cpu', 0):.0f} + {mem.get('proxy_cpu', 0):.0f} | "
            f"{r.get('rss_peak', 0):.0f} |")
    lines += [
        "",
        "Per student CPU time = user + system seconds of the student's single-user server, its kernels and "
        "the git processes it ran (login to both chapters done): what the class costs the node's cores "
        "whatever else runs there. RSS counts shared pages once per process; PSS shares them out, so PSS "
        "sums to what the students really take.",
    ]
    lines += ["", "## Details", ""]
    for r in results:
        mem = r.get("memory", {"students": []})
        ks = [k for m in mem["students"] for k in m["kernel_rss"]]
        servers = [m["server_rss"] for m in mem["students"]]
        lines.append(f"- {r['n']} students ({r['transport']}): all done after {r.get('wall', 0):.0f} s; "
                     f"{sum(m['kernels'] for m in mem['students'])} kernels alive at the end in "
                     f"{len(mem['students'])} servers; server RSS {statistics.mean(servers) if servers else 0:.0f} MiB, "
                     f"kernel RSS {statistics.mean(ks) if ks else 0:.0f} MiB (means); the hub stopped in "
                     f"{r['stop_s']:.1f} s.")
        for name, s in r["students"].items():
            if "failure" in s or s["errors"]:
                lines.append(f"  - {name}: {s.get('failure', '')} {'; '.join(s['errors'])}".rstrip())
        for line in r.get("log_trouble", [])[:10]:
            lines.append(f"  - hub log: `{line}`")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[5, 20, 40])
    parser.add_argument("--transport", choices=["ipc", "tcp"], default="ipc")
    parser.add_argument("--timeout", type=float, default=900, help="per student, seconds")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "hub.md")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each class size, wait up to SECONDS for a 1-minute load below 1.5")
    args = parser.parse_args()
    if hs.node_missing_reason():
        sys.exit(hs.node_missing_reason())
    proxy = hs.ensure_proxy()
    started = datetime.datetime.now(datetime.timezone.utc)
    results = []
    for n in args.students:
        waited = time.monotonic()
        while os.getloadavg()[0] >= 1.5 and time.monotonic() - waited < args.wait_quiet:
            time.sleep(10)
        print(f"{n} students (load {os.getloadavg()[0]:.1f}) ...", flush=True)
        r = one_class(n, proxy, args.transport, args.timeout)
        results.append(r)
        text = report(results, started)
        print(text.split("\n## Details")[0].splitlines()[-1], flush=True)
        args.output.write_text(text)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
