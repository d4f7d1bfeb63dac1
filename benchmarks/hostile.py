"""``/healthz`` while hostile requests run: its p99 under attack as a ratio to its p99 alone; target ≤ 2×.

``krisebot serve`` runs in a process of its own (bundled plan, new database, authentication on,
an alarm token, the console SMS provider), with the Microsoft endpoints slow: every HTTPS request
it makes goes through a local proxy that holds the connection ``--login-delay`` seconds and then
drops it (a slow or unreachable Microsoft login). The attackers run in a second process, so
their own CPU is not counted against the probe: ``--workers`` of each kind start at once, and
each sends its request again ``--pause`` seconds after the answer (the slow body at once):

- ``emulator``: an unsigned token naming the Bot Framework Emulator's issuer to /api/messages;
- ``gzip``: a 2 MB gzip body (2 GB inflated) to /api/alarms;
- ``slow``: an alarm body sent one byte every half second (until the service gives up);
- ``nested``: JSON nested 500,000 deep to /api/alarms (with the token) and to the console route;
- ``host``: a Host header no URL can be built from, to the console route;
- ``export``: an export link with ``expires=²`` and a non-ASCII ``sig``;
- ``proxied``: an SMS reply to the console route with ``X-Forwarded-For``.

The probe sends ``GET /healthz`` one after the other, ``--rounds`` times ``--seconds`` alone and
then ``--seconds`` under attack (alternating, so a machine that gets busier or quieter meanwhile
weighs on both alike), and prints p50/p99/max of both, the ratio of the p99s overall and by
round, the answers each kind got, and whether the target is met.

Attackers from the internet do not run on the service's machine. Where the machine has two or
more cores the attackers are kept on the last core and the service and the probe on the others
(``sched_setaffinity``), so the attackers' own CPU does not stand in the probe's way; the
kernel's work of carrying their bytes over loopback is done on the attackers' core, so the
service is spared that cost too (on a real network interface it is not). ``--shared-cores``
lets everything run on every core.

With ``--control`` the attackers hit a second instance (on the attackers' core) while the probe
asks the first: the part of the ratio that the machine, not the service, costs. ``--python``
runs the service on another interpreter (one with Krisebot installed), to compare versions.

    .venv/bin/python benchmarks/hostile.py [--seconds 10] [--rounds 3] [--workers 4] [--pause 0.25] [--kinds gzip,...]
        [--control] [--shared-cores] [--python PATH]
"""

import argparse
import asyncio
import functools
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from aiohttp import ClientSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.invoke import figures, row  # noqa: E402
from tests.protocol.alarms import AUTH, TOKEN, generic  # noqa: E402
from tests.protocol.raw_http import request_bytes, send_raw  # noqa: E402
from tests.protocol.teams import JESPER, TENANT, personal  # noqa: E402
from tests.serve import free_port  # noqa: E402

TARGET_RATIO = 2.0
APP_ID = "8c2f0f3e-0000-4000-8000-b07b07b07b07"
EMULATOR_ISSUER = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
REPLY = json.dumps({"from": "20112233", "text": "1K"}).encode()
ALARM = json.dumps(generic()).encode()
PROBE_PAUSE = 0.01
"""Seconds between two probes."""


def slow_proxy(delay: float) -> int:
    """A proxy on a free port that holds every connection ``delay`` seconds and then drops it."""
    server = socket.create_server(("127.0.0.1", 0))

    def hold(connection: socket.socket) -> None:
        time.sleep(delay)
        connection.close()

    def accept() -> None:
        while True:
            connection, _ = server.accept()
            threading.Thread(target=hold, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1]


def start_service(
    folder: Path, port: int, proxy_port: int, cores: set[int] | None, python: str
) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items() if not name.upper().startswith("KRISEBOT_")}
    env |= {
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "KRISEBOT_HOST": "127.0.0.1", "KRISEBOT_PORT": str(port), "KRISEBOT_DATABASE": str(folder / "krisebot.db"),
        "KRISEBOT_SMS_CONSOLE_FILE": str(folder / "sms.log"), "KRISEBOT_ALARM_TOKEN": TOKEN,
        "KRISEBOT_BOT_APP_ID": APP_ID, "KRISEBOT_BOT_TENANT_ID": TENANT, "KRISEBOT_BOT_APP_PASSWORD": "not-a-real-secret",
        "HTTPS_PROXY": f"http://127.0.0.1:{proxy_port}", "https_proxy": f"http://127.0.0.1:{proxy_port}",
    }
    errors = (folder / "stderr.log").open("wb")
    service = subprocess.Popen(
        [python, "-m", "bot", "serve"], cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=errors,
        preexec_fn=lambda: pin(0, cores),
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return service
        except OSError:
            if service.poll() is not None or time.monotonic() > deadline:
                said = (folder / "stderr.log").read_text(errors="replace").strip().splitlines()[-1:]
                raise RuntimeError(f"krisebot serve did not start: {' '.join(said)}") from None
            time.sleep(0.1)


# -- the attacks -------------------------------------------------------------------------------

@functools.cache
def gzip_bomb() -> bytes:
    """2 MB of gzip that inflates to 2 GB of zeros."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    return b"".join(packer.compress(zeros) for _ in range(2048)) + packer.flush()


def emulator_request(base: str) -> bytes:
    claims = {"iss": EMULATOR_ISSUER, "aud": APP_ID, "appid": APP_ID, "ver": "1.0"}
    token = jwt.encode(claims, "not-the-emulator-s-key-at-all-32b", algorithm="HS256")
    activity = json.dumps(personal(JESPER, base + "/", text="status")).encode()
    return request_bytes("POST", "/api/messages", {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, activity)


async def slow_body(base: str) -> int:
    """Send an alarm one byte every half second until the service answers; its status."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request_bytes("POST", "/api/alarms", AUTH, b"", length=len(ALARM), close=False))
        for byte in ALARM:
            writer.write(bytes([byte]))
            await writer.drain()
            try:
                status_line = await asyncio.wait_for(reader.readline(), 0.5)
            except TimeoutError:
                continue
            return int(status_line.split()[1])
        return int((await reader.readline()).split()[1])
    except (ConnectionError, IndexError, ValueError):
        return 0
    finally:
        writer.close()


def requests_of(kind: str, base: str) -> list[bytes]:
    """The requests one worker of ``kind`` sends in turn."""
    nested = b"[" * 500_000 + b"]" * 500_000
    return {
        "emulator": lambda: [emulator_request(base)],
        "gzip": lambda: [request_bytes("POST", "/api/alarms", {"Content-Encoding": "gzip", **AUTH}, gzip_bomb())],
        "nested": lambda: [request_bytes("POST", "/api/alarms", AUTH, nested),
                           request_bytes("POST", "/api/sms/console", {}, b"[" * 30_000 + b"]" * 30_000)],
        "host": lambda: [request_bytes("POST", "/api/sms/console", {}, REPLY, host=b"krisebot:99999")],
        "export": lambda: [request_bytes("GET", "/api/export/K-2026-001.md?expires=%C2%B2&sig=%C3%B8", {}, None)],
        "proxied": lambda: [request_bytes("POST", "/api/sms/console", {"X-Forwarded-For": "203.0.113.9"}, REPLY)],
    }[kind]()


KINDS = ["emulator", "gzip", "slow", "nested", "host", "export", "proxied"]


@dataclass(frozen=True)
class Cores:
    """Which cores the service and the probe may use, and which the attackers; None: every core."""

    defended: set[int] | None
    attackers: set[int] | None

    @staticmethod
    def split(shared: bool) -> "Cores":
        cores = sorted(os.sched_getaffinity(0))
        if shared or len(cores) < 2:
            return Cores(None, None)
        return Cores(set(cores[:-1]), {cores[-1]})


def pin(pid: int, cores: set[int] | None) -> None:
    if cores is not None:
        os.sched_setaffinity(pid, cores)


@dataclass(frozen=True)
class Switch:
    """Turns the attackers on and off from the probing process, and stops them."""

    on: Any
    stop: Any


async def worker(kind: str, base: str, requests: list[bytes], pause: float, switch: Switch, answers: Counter[str]) -> None:
    sent = 0
    while not switch.stop.is_set():
        if not switch.on.is_set():
            await asyncio.sleep(0.05)
            continue
        if kind == "slow":
            status = await slow_body(base)
        else:
            try:
                status = (await send_raw(base, requests[sent % len(requests)])).status
            except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
                status = 0
            await asyncio.sleep(pause)
        answers[f"{kind} {status or 'dropped'}"] += 1
        sent += 1


def attacker(
    base: str, kinds: list[str], workers: int, pause: float, switch: Switch, results: Any, cores: set[int] | None
) -> None:
    """Make the requests (the gzip bomb takes a while), say so, then attack while ``switch`` is on, until stopped."""
    pin(0, cores)
    requests = {kind: [] if kind == "slow" else requests_of(kind, base) for kind in kinds}
    results.put({})
    answers: Counter[str] = Counter()

    async def attack() -> None:
        await asyncio.gather(*(
            worker(kind, base, sent, pause, switch, answers) for kind, sent in requests.items() for _ in range(workers)
        ))

    asyncio.run(attack())
    results.put(dict(answers))


# -- the probe ---------------------------------------------------------------------------------

async def probe(base: str, seconds: float) -> list[float]:
    times = []
    until = time.monotonic() + seconds
    async with ClientSession() as session:
        while time.monotonic() < until:
            started = time.perf_counter()
            async with session.get(f"{base}/healthz") as response:
                await response.read()
            times.append(time.perf_counter() - started)
            await asyncio.sleep(PROBE_PAUSE)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="of each phase")
    parser.add_argument("--rounds", type=int, default=3, help="of a quiet phase and an attacked one")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.25)
    parser.add_argument("--login-delay", type=float, default=3.0)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument(
        "--control", action="store_true",
        help="attack a second instance instead and probe the first: what the machine, not the service, costs",
    )
    parser.add_argument("--shared-cores", action="store_true", help="let the attackers run on the service's cores too")
    parser.add_argument("--python", default=sys.executable, help="the interpreter the service runs on")
    args = parser.parse_args()
    cores = Cores.split(args.shared_cores)
    pin(0, cores.defended)  # the probe, before any thread starts
    kinds = [kind for kind in args.kinds.split(",") if kind]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    spawn = multiprocessing.get_context("spawn")
    switch, results = Switch(spawn.Event(), spawn.Event()), spawn.Queue()
    alone: list[list[float]] = []
    attacked: list[list[float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        proxy = slow_proxy(args.login_delay)
        service = start_service(Path(tmp), port, proxy, cores.defended, args.python)
        target, control = base, None
        if args.control:
            (Path(tmp) / "control").mkdir()
            target = f"http://127.0.0.1:{free_port()}"
            control = start_service(
                Path(tmp) / "control", int(target.rpartition(":")[2]), proxy, cores.attackers, args.python
            )
        attackers = spawn.Process(
            target=attacker, args=(target, kinds, args.workers, args.pause, switch, results, cores.attackers)
        )
        attackers.start()
        try:
            results.get(timeout=300)  # the requests are made
            asyncio.run(probe(base, 2.0))  # warm-up
            for _ in range(args.rounds):
                alone.append(asyncio.run(probe(base, args.seconds)))
                switch.on.set()
                time.sleep(0.5)  # the attacks under way
                attacked.append(asyncio.run(probe(base, args.seconds)))
                switch.on.clear()
                time.sleep(0.5)
            switch.stop.set()
            answers = results.get(timeout=120)
            attackers.join()
        finally:
            attackers.kill()
            for process in (service, control):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
    report(args, cores, kinds, alone, attacked, answers)


def interpreter_version(python: str) -> str:
    return subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"], capture_output=True, text=True, check=True
    ).stdout.strip()


def report(
    args: argparse.Namespace, cores: Cores, kinds: list[str], alone: list[list[float]], attacked: list[list[float]],
    answers: dict,
) -> None:
    quiet, loud = figures([t for phase in alone for t in phase]), figures([t for phase in attacked for t in phase])
    ratio = loud["p99"] / quiet["p99"]
    rounds = ", ".join(f"x{figures(a)['p99'] / figures(q)['p99']:.1f}" for q, a in zip(alone, attacked))
    print(f"kinds: {', '.join(kinds)}; {args.workers} of each at once, each again {args.pause:g} s after its answer"
          + ("; CONTROL: they attack a second instance" if args.control else ""))
    print("cores: every process on every core" if cores.attackers is None else
          f"cores: service and probe on {sorted(cores.defended or ())}, attackers on {sorted(cores.attackers)}")
    print(f"Microsoft endpoints: dropped after {args.login_delay:g} s; {args.rounds} rounds of {args.seconds:g} s alone, "
          f"{args.seconds:g} s attacked; the service on Python {interpreter_version(args.python)}")
    print(f"{'':<22}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}")
    print(row(f"alone ({sum(map(len, alone))}):", quiet))
    print(row(f"attacked ({sum(map(len, attacked))}):", loud))
    print("answers to the attackers: " + ", ".join(f"{key} ×{count}" for key, count in sorted(answers.items())))
    print(f"p99 ratio by round: {rounds}")
    met = "met" if ratio <= TARGET_RATIO else "MISSED"
    print(f"/healthz p99 under attack: x{ratio:.1f} of alone; target ≤ {TARGET_RATIO:g}×: {met}")


if __name__ == "__main__":
    main()
