"""Start-up time to ``/readyz`` 200 and idle memory of ``krisebot serve`` on the bundled plan.

Measured against a baseline in the same run on the same machine: a bare aiohttp app with
one ``/readyz`` route, started the same way. Prints the medians of several runs and the
ratios; targets (docs/benchmarks.md): ready within 2 s, idle RSS under 150 MB.

    .venv/bin/python benchmarks/startup.py [--runs 5]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASELINE = """
import sys
from aiohttp import web
app = web.Application()
app.router.add_get("/readyz", lambda request: web.json_response({"status": "ready"}))
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""
IDLE_SECONDS = 2.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def measure(command: list[str], port: int, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawn to the first 200 from /readyz, and RSS after idling."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.01)
        ready = time.perf_counter() - started
        time.sleep(IDLE_SECONDS)
        return ready, rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    krisebot = str(Path(sys.executable).with_name("krisebot"))
    results: dict[str, list[tuple[float, float]]] = {"baseline": [], "krisebot": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            port = free_port()
            results["baseline"].append(measure([sys.executable, "-c", BASELINE, str(port)], port, dict(os.environ)))
            port = free_port()
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("KRISEBOT_")},
                "KRISEBOT_PORT": str(port),
                "KRISEBOT_DATABASE": str(Path(tmp) / f"run{run}.db"),
            }
            results["krisebot"].append(measure([krisebot, "serve"], port, env))
    base_ready = statistics.median(r for r, _ in results["baseline"])
    base_rss = statistics.median(m for _, m in results["baseline"])
    ready = statistics.median(r for r, _ in results["krisebot"])
    rss = statistics.median(m for _, m in results["krisebot"])
    print(f"runs: {args.runs} (medians; new database each run)")
    print(f"baseline aiohttp app: ready {base_ready:.3f} s, idle RSS {base_rss:.1f} MB")
    print(f"krisebot serve:       ready {ready:.3f} s, idle RSS {rss:.1f} MB")
    print(f"ratio to baseline:    ready x{ready / base_ready:.2f}, RSS x{rss / base_rss:.2f}")
    print(f"targets:              ready < 2 s: {'met' if ready < 2 else 'MISSED'}; RSS < 150 MB: {'met' if rss < 150 else 'MISSED'}")


if __name__ == "__main__":
    main()
