"""``krisebot serve`` as a subprocess, as systemd runs it: this checkout's code, a free port, and no
``KRISEBOT_`` setting from the outside but the ones a test gives."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parents[1]
HANG = 20
"""Seconds after which a start that neither listens nor exits counts as hung (a hang detector, not a speed target)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(**settings: str) -> dict[str, str]:
    """This process's environment without its ``KRISEBOT_`` variables, plus ``settings`` and a free port."""
    env = {name: value for name, value in os.environ.items() if not name.upper().startswith("KRISEBOT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    return env | {"KRISEBOT_PORT": str(free_port())} | settings


def serve_until_exit(cwd: Path, *, prefix: Sequence[str] = (), **settings: str) -> subprocess.CompletedProcess[str]:
    """Run ``krisebot serve`` (after ``prefix``, e.g. a privilege-dropping wrapper) until it exits; fail if it hangs."""
    command = [*prefix, sys.executable, "-m", "bot", "serve"]
    try:
        return subprocess.run(command, cwd=cwd, env=environment(**settings), capture_output=True, text=True, timeout=HANG)
    except subprocess.TimeoutExpired as hung:
        stderr = hung.stderr.decode(errors="replace") if isinstance(hung.stderr, bytes) else hung.stderr
        pytest.fail(f"krisebot serve neither listened nor exited within {HANG} s; stderr:\n{stderr}")


@contextmanager
def serving(cwd: Path, **settings: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``krisebot serve`` running and answering ``/healthz``: (the process, its base URL); stopped with SIGTERM."""
    env = environment(**settings)
    base = f"http://127.0.0.1:{env['KRISEBOT_PORT']}"
    service = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + HANG
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).close()
                break
            except OSError:
                assert service.poll() is None, f"krisebot serve exited: {service.communicate()[1]}"
                assert time.monotonic() < deadline, "krisebot serve did not start"
                time.sleep(0.05)
        yield service, base
    finally:
        service.terminate()
        service.communicate(timeout=HANG)


def get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET, 4xx and 5xx included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
