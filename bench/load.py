"""Gunicorn on 127.0.0.1 for the length of a stage, and wrk against it."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.env import PYTHON, ROOT

HERE = Path(__file__).resolve().parent
DURATION_SECONDS = 10
CONNECTIONS = 8
WORKERS = 4


@dataclass(frozen=True)
class Throughput:
    requests_per_second: float
    latency_ms: float
    p99_ms: float
    requests: int
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (fixed arguments)
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _required(pattern: str, out: str) -> str:
    """A figure wrk always prints; its absence means wrk's output changed, so say so."""
    found = re.search(pattern, out)
    if found is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{out}")
    return found.group(1)


def _milliseconds(value: str) -> float:
    found = re.fullmatch(r"([\d.]+)([a-zµμ]+)", value)
    if found is None:
        return float("nan")
    number, unit = found.groups()
    scale = {"us": 0.001, "µs": 0.001, "μs": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
    return float(number) * scale.get(unit, float("nan"))


def wrk(url: str, script: str, args: list[str], *, seconds: int = DURATION_SECONDS) -> Throughput:
    # wrk from PATH (apt-get install wrk); fixed arguments.
    out = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(HERE / script),
            url,
            "--",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(_required(r"Requests/sec:\s+([\d.]+)", out))
    latency_match = re.search(r"Latency\s+(\d\S*)", out)
    p99_match = re.search(r"99%\s+(\S+)", out)
    latency = _milliseconds(latency_match.group(1)) if latency_match else float("nan")
    p99 = _milliseconds(p99_match.group(1)) if p99_match else float("nan")
    requests = int(_required(r"(\d+) requests in", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Throughput(rps, latency, p99, requests, errors)
