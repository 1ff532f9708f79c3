"""A bounded HTTP load on one loopback URL: fixed concurrency, fixed time, latencies kept.

Run by :mod:`bench.api` in a process of its own, so that generating the load
never shares an interpreter with the server. ``--concurrency`` threads each
keep one request in flight (a new connection per request: gunicorn's sync
workers close every connection) for ``--seconds`` after ``--warmup``
seconds that are not counted. The last line printed is one JSON object:
``requests``, ``rps``, ``p50_ms``, ``p99_ms``, ``errors`` and ``bytes``
(of one response).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time


def _worker(
    args: argparse.Namespace,
    start: float,
    stop: float,
    latencies: list[float],
    errors: list[int],
    sizes: list[int],
) -> None:
    headers = {"Authorization": f"Bearer {args.token}"} if args.token else {}
    while True:
        began = time.perf_counter()
        if began >= stop:
            return
        connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        try:
            connection.request("GET", args.path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            ok = response.status == 200
        except OSError:
            ok, body = False, b""
        finally:
            connection.close()
        ended = time.perf_counter()
        if began < start:
            continue  # warming up
        if ok:
            latencies.append(ended - began)
            if not sizes:
                sizes.append(len(body))
        else:
            errors.append(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=6)
    args = parser.parse_args(argv)
    latencies: list[float] = []
    errors: list[int] = []
    sizes: list[int] = []
    now = time.perf_counter()
    start, stop = now + args.warmup, now + args.warmup + args.seconds
    threads = [
        threading.Thread(target=_worker, args=(args, start, stop, latencies, errors, sizes))
        for _ in range(args.concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    print(
        json.dumps(
            {
                "requests": len(ordered),
                "rps": round(len(ordered) / args.seconds, 1),
                "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
                "p99_ms": round(p99 * 1000, 2),
                "errors": len(errors),
                "bytes": sizes[0] if sizes else 0,
            }
        )
    )


if __name__ == "__main__":
    main()
