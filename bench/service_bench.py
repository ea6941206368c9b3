#!/usr/bin/env python3
"""The HTTP service under load, under SIGKILL, and under a fuzzer.

Load: `echoctl serve` (with bearer auth) on loopback holds 100 ELPV golden cells; wrk
(Debian) POSTs a held-out cell to the query and inspect routes at concurrency 1, 8 and
32 for 10 s each and reports requests/s, p50/p99 latency and errors (socket errors and
non-2xx). The same work in process (`echo-bench service-peer`: decode, embed, search or
score, from as many threads) is the peer; the ratio is HTTP over in-process throughput.

Faults: a client ingests distinct cells over HTTP while the server is SIGKILLed at a
random moment; after each kill `echoctl verify` must pass and every reference the
server acknowledged (201) must be in the store.

Fuzzing: schemathesis (PyPI) generates requests from the served OpenAPI document and
runs all its checks; the figures are the number of 5xx answers (goal 0) and any other
finding (an undocumented status, a schema-valid request rejected, ...).

    make bench-service
"""
import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT = os.path.join(HERE, "..", "scripts", "elpv_split.py")
TOKEN = "bench-token"
LUA = """
local f = io.open(os.getenv("ECHO_BENCH_IMAGE"), "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "image/png"
wrk.headers["Authorization"] = "Bearer %s"
local non2xx = 0
response = function(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "p50": %%f, "p99": %%f, "socket_errors": %%d, "status_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout, e.status))
end
""" % TOKEN


def split(kind, count):
    return subprocess.run([sys.executable, SPLIT, kind, str(count)], check=True, capture_output=True, text=True).stdout.split()


def start_server(echoctl, store, extra_env=None):
    env = dict(os.environ, ECHO_API_TOKENS=TOKEN, **(extra_env or {}))
    server = subprocess.Popen([echoctl, "serve", "--store", store, "--port", "0", "--request-timeout", "120"],
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    for line in server.stderr:
        match = re.search(r"on http://127\.0\.0\.1:(\d+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
            return server, int(match.group(1))
    raise SystemExit("the server did not start: " + (server.stderr.read() if server.stderr else ""))


def png_of(path, directory):
    """The cell as PNG bytes written to a file (ELPV cells are PNG already)."""
    target = os.path.join(directory, os.path.basename(path))
    with open(path, "rb") as source, open(target, "wb") as out:
        out.write(source.read())
    return target


def load(args, work):
    store = os.path.join(work, "store")
    golden = split("golden", 100)
    subprocess.run([args.echoctl, "ingest", *golden, "-c", "elpv", "--store", store], check=True, capture_output=True)
    subprocess.run([args.echoctl, "calibrate", "-c", "elpv", "--store", store], check=True, capture_output=True)
    image = png_of(split("normal", 1)[0], work)
    lua = os.path.join(work, "post.lua")
    with open(lua, "w") as f:
        f.write(LUA)
    print(f"Load: 100 golden ELPV cells, one held-out cell per request, {args.seconds:.0f} s per row, wrk on loopback, bearer auth")
    print(f"{'route':<8} {'conc':>4} {'HTTP req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'in-proc req/s':>13} {'p50 ms':>8} {'ratio':>6}")
    server, port = start_server(args.echoctl, store)
    try:
        for operation in ["query", "inspect"]:
            for concurrency in [1, 8, 32]:
                url = f"http://127.0.0.1:{port}/v1/categories/elpv/{operation}" + ("?k=5" if operation == "query" else "")
                run = subprocess.run(["wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency), "-d", f"{args.seconds:.0f}s",
                                      "--timeout", "60s", "-s", lua, url], capture_output=True, text=True,
                                     env=dict(os.environ, ECHO_BENCH_IMAGE=image))
                line = next((l for l in run.stdout.splitlines() if l.startswith("RESULT ")), None)
                if line is None:
                    raise SystemExit("wrk failed: " + run.stdout + run.stderr)
                http = json.loads(line[len("RESULT "):])
                peer = json.loads(subprocess.run([args.bench, "service-peer", "--store", store, "--category", "elpv", "--image", image,
                                                  "--operation", operation, "--concurrency", str(concurrency), "--seconds", str(args.seconds)],
                                                 check=True, capture_output=True, text=True).stdout)
                rps = http["requests"] / http["seconds"]
                print(f"{operation:<8} {concurrency:>4} {rps:>10.1f} {http['p50']:>8.1f} {http['p99']:>8.1f} "
                      f"{http['socket_errors'] + http['status_errors']:>6} {peer['requestsPerSecond']:>13.1f} {peer['p50Milliseconds']:>8.1f} "
                      f"{rps / peer['requestsPerSecond']:>6.2f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    print(f"graceful stop: exit code {server.returncode}")


def faults(args, work):
    store = os.path.join(work, "fault-store")
    cells = split("golden", 400) + split("normal", 400)
    acknowledged, next_cell, lost_total, failed_verify = set(), 0, 0, 0
    for trial in range(args.kills):
        server, port = start_server(args.echoctl, store)
        stop = threading.Event()

        def client():
            nonlocal next_cell
            while not stop.is_set() and next_cell < len(cells):
                path = cells[next_cell]
                next_cell += 1
                with open(path, "rb") as f:
                    body = f.read()
                request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/categories/elpv/references", data=body, method="POST",
                                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "image/png"})
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        answer = json.loads(response.read())
                        if response.status == 201:
                            acknowledged.add(answer["id"])
                except Exception:
                    return
        thread = threading.Thread(target=client)
        thread.start()
        time.sleep(random.uniform(0.5, 3.0))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        thread.join()
        verify = subprocess.run([args.echoctl, "verify", "--store", store], capture_output=True, text=True)
        listed = json.loads(subprocess.run([args.echoctl, "list", "-c", "elpv", "--store", store, "--json", "--limit", "100000"],
                                           capture_output=True, text=True).stdout or "[]")
        present = {row["id"] for row in listed}
        lost = acknowledged - present
        lost_total += len(lost)
        failed_verify += verify.returncode != 0
    print(f"Faults: {args.kills} SIGKILLs during HTTP ingest; {len(acknowledged)} references acknowledged; "
          f"{lost_total} lost; {failed_verify} failed verify")


def fuzz(args, work):
    store = os.path.join(work, "fuzz-store")
    subprocess.run([args.echoctl, "ingest", *split("golden", 5), "-c", "elpv", "--store", store], check=True, capture_output=True)
    server, port = start_server(args.echoctl, store)
    try:
        # Every check schemathesis has (server errors, status codes and schemas as documented,
        # schema-valid requests accepted, invalid ones rejected, 405 for other methods, ...).
        run = subprocess.run(["schemathesis", "run", f"http://127.0.0.1:{port}/openapi.json",
                              "-H", f"Authorization: Bearer {TOKEN}", "--max-examples", str(args.examples)],
                             capture_output=True, text=True)
        output = run.stdout + run.stderr
        server_errors = sum(int(n) for n in re.findall(r"Server error: (\d+)", output))
        cases = next((l.strip() for l in output.splitlines() if re.search(r"\d+ generated", l)), "?")
        failures = [l.strip() for l in output.splitlines() if re.match(r"\s*❌ ST\d+", l)]
        print(f"Fuzzing: schemathesis, all checks, {args.examples} examples per operation: {cases}; 5xx answers: {server_errors}")
        for line in failures:
            print("  " + line)
        for match in re.finditer(r"_{5,} (\w+ \S+) _{5,}\n- (ST\d+ [^\n]+)", output):
            print(f"  {match.group(1)}: {match.group(2)}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--echoctl", required=True)
    p.add_argument("--bench", required=True, help="the echo-bench binary")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--kills", type=int, default=10)
    p.add_argument("--examples", type=int, default=50)
    p.add_argument("--only", choices=["load", "faults", "fuzz"])
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as work:
        if args.only in (None, "load"):
            load(args, work)
        if args.only in (None, "faults"):
            faults(args, work)
        if args.only in (None, "fuzz"):
            fuzz(args, work)


if __name__ == "__main__":
    main()
