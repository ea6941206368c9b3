#!/usr/bin/env python3
"""The embedded SQLite store against PostgreSQL, and a cluster of 1-3 nodes on one database.

Run by `make bench-cluster`, which starts a throwaway PostgreSQL 15 (scripts/with-postgres.sh)
and exports ECHO_TEST_POSTGRES_*; every scenario gets a database of its own.

- Ingest: `echoctl ingest` of N ELPV cells (one process, all cores) into a SQLite
  directory and into PostgreSQL: images/s.
- Serving: `echoctl serve` nodes (SQLite: one, the writer; PostgreSQL: 1, 2 and 3 on one
  database, each with its own cache) under wrk, query and inspect routes, C connections per
  node, all nodes at once: total requests/s, p50 and worst p99. On this 2-core machine the
  nodes share the same two cores: the work is CPU-bound and more nodes cannot add
  throughput here; the rows show what the database costs and that nodes do not serialise
  on it.
- Visibility: a commit on node A to its arrival in node B's warm index, no query on B
  (`echo-bench cluster-visibility`), with LISTEN/NOTIFY and with the poll alone.
- Recovery: a node under a query load while PostgreSQL restarts (pg_ctl restart -m fast):
  the time from the server being back to the first 200, and the answers in between.

    make bench-cluster
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
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
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests": %%d, "seconds": %%f, "p50": %%f, "p99": %%f, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.connect + e.read + e.write + e.timeout + e.status))
end
""" % TOKEN


def split(kind, count):
    return subprocess.run([sys.executable, SPLIT, kind, str(count)], check=True, capture_output=True, text=True).stdout.split()


class Postgres:
    def __init__(self):
        self.port = os.environ["ECHO_TEST_POSTGRES_PORT"]
        self.bin = os.environ["ECHO_TEST_POSTGRES_BIN"]
        self.data = os.environ["ECHO_TEST_POSTGRES_DATA"]
        self.count = 0

    def database(self):
        self.count += 1
        name = f"bench_{os.getpid()}_{self.count}"
        subprocess.run([self.bin + "/psql", "-X", "-q", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", "-c", f"CREATE DATABASE {name}"],
                       check=True, capture_output=True)
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def restart(self):
        command = [self.bin + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "restart", "-o",
                   f"-p {self.port} -k {os.environ['ECHO_TEST_POSTGRES_SOCKETS']} -c listen_addresses=127.0.0.1 -c max_connections=300"]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--"] + command
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def store_arguments(store, cache):
    return ["--store", store] + (["--cache", cache] if cache else [])


def start_node(echoctl, store, cache):
    env = dict(os.environ, ECHO_API_TOKENS=TOKEN)
    node = subprocess.Popen([echoctl, "serve", "--port", "0", "--request-timeout", "30"] + store_arguments(store, cache),
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    for line in node.stderr:
        match = re.search(r"on http://127\.0\.0\.1:(\d+)", line)
        if match:
            threading.Thread(target=lambda: [None for _ in node.stderr], daemon=True).start()
            return node, int(match.group(1))
    raise SystemExit("a node did not start")


def stop(nodes):
    for node, _ in nodes:
        node.send_signal(signal.SIGTERM)
    for node, _ in nodes:
        node.wait(timeout=60)


def prepare(args, store, cache, golden):
    started = time.perf_counter()
    subprocess.run([args.echoctl, "ingest", *golden, "-c", "elpv"] + store_arguments(store, cache), check=True, capture_output=True)
    seconds = time.perf_counter() - started
    subprocess.run([args.echoctl, "calibrate", "-c", "elpv"] + store_arguments(store, cache), check=True, capture_output=True)
    return seconds


def load(ports, route, image, lua, args):
    """wrk against every port at once; (total req/s, median p50, worst p99, errors)."""
    runs = []
    for port in ports:
        url = f"http://127.0.0.1:{port}/v1/categories/elpv/{route}" + ("?k=5" if route == "query" else "")
        runs.append(subprocess.Popen(["wrk", "-t", "1", "-c", str(args.connections), "-d", f"{args.seconds}s", "--timeout", "30s", "-s", lua, url],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, ECHO_BENCH_IMAGE=image)))
    results = []
    for run in runs:
        out, err = run.communicate()
        line = next((l for l in out.splitlines() if l.startswith("RESULT ")), None)
        if line is None:
            raise SystemExit("wrk failed: " + out + err)
        results.append(json.loads(line[len("RESULT "):]))
    rps = sum(r["requests"] / r["seconds"] for r in results)
    return rps, statistics.median(r["p50"] for r in results), max(r["p99"] for r in results), sum(r["errors"] for r in results)


def recovery(args, postgres, golden, image, work):
    url = postgres.database()
    cache = os.path.join(work, "recovery-cache")
    prepare(args, url, cache, golden[:20])
    node = start_node(args.echoctl, url, cache)
    with open(image, "rb") as f:
        body = f.read()
    answers, stop_load = [], threading.Event()

    def client():
        while not stop_load.is_set():
            request = urllib.request.Request(f"http://127.0.0.1:{node[1]}/v1/categories/elpv/query?k=3", data=body, method="POST",
                                             headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "image/png"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except Exception:
                status = -1
            answers.append((time.perf_counter(), status))
    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    restart_began = time.perf_counter()
    postgres.restart()
    back = time.perf_counter()
    time.sleep(5)
    stop_load.set()
    for thread in threads:
        thread.join()
    stop([node])
    first_ok = next((t for t, s in answers if t > back and s == 200), None)
    during = [s for t, s in answers if restart_began <= t <= back + 0.5]
    print(f"Recovery: pg_ctl restart -m fast took {back - restart_began:.2f} s; first 200 after the server was back: "
          f"{(first_ok - back) * 1000 if first_ok else float('nan'):.0f} ms; answers meanwhile: "
          + ", ".join(f"{s}: {during.count(s)}" for s in sorted(set(during))) + "; other than 200/503 overall: "
          + str(sum(1 for _, s in answers if s not in (200, 503))))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--echoctl", required=True)
    parser.add_argument("--bench", required=True, help="echo-bench")
    parser.add_argument("--images", type=int, default=150)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    postgres = Postgres()
    golden = split("golden", args.images)
    work = tempfile.mkdtemp(prefix="echo-cluster-bench-")
    image = os.path.join(work, "probe.png")
    with open(split("normal", 1)[0], "rb") as source, open(image, "wb") as out:
        out.write(source.read())
    lua = os.path.join(work, "post.lua")
    with open(lua, "w") as f:
        f.write(LUA)
    cores = os.cpu_count()
    print(f"bench-cluster: {args.images} ELPV cells, {cores} cores, PostgreSQL 15 on loopback; "
          f"wrk {args.connections} connections per node, {args.seconds} s per row")

    sqlite = os.path.join(work, "sqlite-store")
    pg = postgres.database()
    pg_cache = os.path.join(work, "pg-cache")
    ingest_sqlite = prepare(args, sqlite, None, golden)
    ingest_pg = prepare(args, pg, pg_cache, golden)
    print(f"\nIngest ({args.images} images, one process):")
    print(f"  SQLite      {args.images / ingest_sqlite:7.1f} images/s  ({ingest_sqlite:.2f} s)")
    print(f"  PostgreSQL  {args.images / ingest_pg:7.1f} images/s  ({ingest_pg:.2f} s)  ratio {ingest_sqlite / ingest_pg:.2f}")

    print(f"\nServing ({cores} cores shared by every node: CPU-bound, so nodes add no throughput on this machine):")
    print(f"  {'backend':<11} {'nodes':>5} {'route':<8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    setups = [("SQLite", sqlite, [None])] + [("PostgreSQL", pg, [os.path.join(work, f"node-{n}-{i}") for i in range(n)]) for n in (1, 2, 3)]
    for backend, store, caches in setups:
        nodes = [start_node(args.echoctl, store, cache) for cache in caches]
        try:
            for route in ("query", "inspect"):
                rps, p50, p99, errors = load([port for _, port in nodes], route, image, lua, args)
                print(f"  {backend:<11} {len(nodes):>5} {route:<8} {rps:>8.1f} {p50:>8.1f} {p99:>8.1f} {errors:>6}")
        finally:
            stop(nodes)

    print("\nCommit on node A to node B's warm index (no query on B), 200 commits each:")
    for label, flags in [("LISTEN/NOTIFY", ["--notify"]), ("poll every 1 s", ["--no-notify", "--poll", "1"])]:
        samples = "200" if "--notify" in flags else "40"
        result = json.loads(subprocess.run([args.bench, "cluster-visibility", "--url", postgres.database(), "--samples", samples] + flags,
                                           check=True, capture_output=True, text=True).stdout)
        print(f"  {label:<15} p50 {result['p50Milliseconds']:8.1f} ms  p99 {result['p99Milliseconds']:8.1f} ms  "
              f"({int(result['samples'])} commits, {int(result['missed'])} missed)")
    print()
    recovery(args, postgres, golden, image, work)


if __name__ == "__main__":
    main()
