"""Local stub receivers for the delivery benchmarks: one aiohttp server that answers 200 to the SMS gateway
(`/sms`), webhooks (`/hook/<i>`) and push endpoints (`/push/<i>`), and counts each kind with the wall time of
its first request; `GET /stats` returns them, `POST /reset` starts them again. A POST to `/sms` of the gateway's bulk
form (`{"messages": [...]}`) counts each message and answers each one's result (`sms_batch` counts the requests).
Every request is also recorded by target with its delivery id (SMS: `to` and `delivery`; webhooks: the path and
`X-Airwarn-Delivery`; push: the path only, its payload is encrypted for the browser): `GET /seen` returns
`{"ids": {target: [delivery ids]}, "requests": {target: n}}` for the crash benchmark.
Run in its own process: python bench/stub_receivers.py PORT, or `running()` from the benchmarks and tests.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
from aiohttp import web


def app() -> web.Application:
    first: dict[str, float] = {}
    counts: Counter[str] = Counter()
    ids: defaultdict[str, set[str]] = defaultdict(set)
    requests: Counter[str] = Counter()

    async def receive(request: web.Request) -> web.Response:
        now = time.time()
        kind = request.path.split("/")[1]
        first.setdefault(kind, now)
        body = await request.read()
        if kind == "sms":
            sent = json.loads(body)
            messages = sent.get("messages", [sent])
            counts[kind] += len(messages)
            for m in messages:
                ids[f"sms:{m['to']}"].add(str(m["delivery"]))
                requests[f"sms:{m['to']}"] += 1
            if "messages" in sent:
                counts["sms_batch"] += 1
                return web.json_response({"results": [{"delivery": m["delivery"], "ok": True} for m in messages]})
            return web.Response(text="ok")
        counts[kind] += 1
        requests[request.path] += 1
        if "X-Airwarn-Delivery" in request.headers:
            ids[request.path].add(request.headers["X-Airwarn-Delivery"])
        return web.Response(text="ok")

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response({"first": first, "counts": dict(counts)})

    async def seen(_request: web.Request) -> web.Response:
        return web.json_response({"ids": {k: sorted(v) for k, v in ids.items()}, "requests": dict(requests)})

    async def reset(_request: web.Request) -> web.Response:
        first.clear()
        counts.clear()
        ids.clear()
        requests.clear()
        return web.Response(text="reset")

    application = web.Application()
    application.router.add_get("/stats", stats)
    application.router.add_get("/seen", seen)
    application.router.add_post("/reset", reset)
    application.router.add_route("*", "/{tail:.*}", receive)
    return application


@contextlib.contextmanager
def running() -> Iterator[tuple[str, int]]:
    """The receivers in a process of their own on a free port; yields (base URL, pid) once they answer."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(Path(__file__)), str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/stats", timeout=1)
                break
            time.sleep(0.05)
        yield base, proc.pid
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    web.run_app(app(), host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
