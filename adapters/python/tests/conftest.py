"""Fixtures: the REAL reward service (`node bin/rtlgym.js serve --port 0`) as a subprocess, and inline Verilog."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))  # the package, when it is not installed

ADDER = """module adder(input [3:0] a, input [3:0] b, output [4:0] sum);
  assign sum = a + b;
endmodule
"""
ADDER_OK = """module adder(input [3:0] a, input [3:0] b, output [4:0] sum);
  assign sum = {1'b0, b} + {1'b0, a};
endmodule"""
ADDER_WRONG = """module adder(input [3:0] a, input [3:0] b, output [4:0] sum);
  assign sum = a - b;
endmodule"""
COUNTER = """module counter(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) begin
    if (rst) q <= 4'd0;
    else q <= q + 4'd1;
  end
endmodule
"""
COUNTER_OK = """module counter(input clk, input rst, output reg [3:0] q);
  always @(posedge clk)
    q <= rst ? 4'd0 : q + 4'd1;
endmodule"""


def codev(code: str, think: str = "reasoning") -> str:
    """A response in CodeV-R1's format: <think>..</think><answer> with a ```verilog block."""
    return f"<think>{think}</think><answer>```verilog\n{code}\n```</answer>"


COMPILE_ERROR = codev("module adder(input [3:0] a, output sum; assign = ; endmodule")


class Service:
    def __init__(self, proc: subprocess.Popen, url: str, token: str | None):
        self.proc = proc
        self.url = url
        self.token = token

    def metric(self, name: str, **labels: str) -> float:
        """Sum of a Prometheus sample (with the given labels) from /metrics."""
        req = urllib.request.Request(self.url + "/metrics")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
            text = r.read().decode()
        total = 0.0
        for line in text.splitlines():
            m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$", line)
            if not m or m.group(1) != name:
                continue
            got = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            if all(got.get(k) == v for k, v in labels.items()):
                total += float(m.group(3))
        return total

    def rewards_requests(self) -> float:
        return self.metric("rtlgym_request_duration_seconds_count", route="/v1/rewards")


def _ensure_built() -> None:
    if (REPO / "dist" / "cli" / "commands" / "serve.js").exists():
        return
    npm = shutil.which("npm")
    if not npm:
        pytest.fail("dist/ is missing and npm is not installed: run `npm run build` first")
    subprocess.run([npm, "run", "--silent", "build"], cwd=REPO, check=True)


def start_service(*extra: str, token: str | None = None) -> Service:
    _ensure_built()
    node = shutil.which("node")
    if not node:
        pytest.fail("node is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("RTLGYM_TOKEN", "RTLGYM_URL")}
    args = [node, str(REPO / "bin" / "rtlgym.js"), "serve", "--host", "127.0.0.1", "--port", "0", "--workers", "2"]
    if token:
        args += ["--token", token]
    args += list(extra)
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The address is printed alone on stdout once the port is bound.
    line_holder: list[str] = []

    def read_first_line() -> None:
        line_holder.append(proc.stdout.readline() if proc.stdout else "")

    t = threading.Thread(target=read_first_line, daemon=True)
    t.start()
    t.join(60)
    line = line_holder[0] if line_holder else ""
    m = re.search(r"listening on (http://\S+)", line)
    if not m:
        proc.kill()
        err = proc.stderr.read() if proc.stderr else ""
        pytest.fail(f"rtlgym serve did not start: stdout={line!r} stderr={err[-2000:]}")
    threading.Thread(target=lambda: proc.stderr and proc.stderr.read(), daemon=True).start()
    svc = Service(proc, m.group(1), token)
    from rtlgym_reward import RewardClient

    RewardClient(svc.url, token=token).wait_ready(60)
    return svc


def stop_service(svc: Service) -> None:
    svc.proc.terminate()
    try:
        svc.proc.wait(20)
    except subprocess.TimeoutExpired:
        svc.proc.kill()
        svc.proc.wait(5)


@pytest.fixture(scope="session")
def service() -> Iterator[Service]:
    svc = start_service()
    yield svc
    stop_service(svc)
    assert svc.proc.returncode is not None


@pytest.fixture(scope="session")
def token_service() -> Iterator[Service]:
    svc = start_service(token="s3cret-token")
    yield svc
    stop_service(svc)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("RTLGYM_URL", "RTLGYM_TOKEN", "RTLGYM_REWARD", "RTLGYM_ON_INFRA_ERROR", "RTLGYM_TIMEOUT", "RTLGYM_DEADLINE"):
        monkeypatch.delenv(k, raising=False)


class FakeService:
    """A scripted HTTP server for what the real one cannot be made to do on demand (429, 503, infra_error)."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str], object]] = []
        self.requests: list[tuple[str, str, object]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def _answer(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"null") if n else None
                fake.requests.append((self.command, self.path, body))
                if fake.script:
                    status, headers, payload = fake.script.pop(0)
                else:
                    status, headers, payload = 500, {}, {"error": {"code": "internal", "message": "script empty"}}
                if callable(payload):
                    payload = payload(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeService]:
    f = FakeService()
    yield f
    f.close()


def result(reward: float | None, status: str, message: str = "") -> dict:
    return {"reward": reward, "status": status, "signals": [], "message": message, "cached": False, "details": {}}


def echo_results(status: str = "pass", reward: float | None = 1.0):
    """A /v1/rewards payload builder answering every item with the same verdict."""
    return lambda body: {"results": [result(reward, status) for _ in body["items"]]}
