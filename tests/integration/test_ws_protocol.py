"""The WebSocket protocol `airwarn serve` runs: pre-built frames reach a real client over a real uvicorn."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from airwarn.api.ws_protocol import FrameWriterProtocol, frame_writer, text_frame


async def echo_by_frame(websocket: WebSocket) -> None:
    """Accept, then answer each message with a pre-built frame, or say why that could not be written."""
    await websocket.accept()
    write = frame_writer(websocket.scope)
    while True:
        text = await websocket.receive_text()
        if write is None:
            await websocket.send_text("no frame writer")
        elif not write(text_frame(f"framed: {text}")):
            await websocket.send_text("frame refused")


def serve(deflate: bool) -> Iterator[str]:
    app = Starlette(routes=[WebSocketRoute("/ws", echo_by_frame)])
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws=FrameWriterProtocol,
                            ws_per_message_deflate=deflate, lifespan="off")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}/ws"
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def plain_server() -> Iterator[str]:
    yield from serve(deflate=False)


@pytest.fixture
def deflate_server() -> Iterator[str]:
    yield from serve(deflate=True)


def exchange(url: str, texts: list[str], **options: Any) -> list[str]:
    async def run() -> list[str]:
        async with websockets.connect(url, open_timeout=5, **options) as ws:
            answers = []
            for text in texts:
                await ws.send(text)
                answers.append(str(await asyncio.wait_for(ws.recv(), 5)))
            return answers

    return asyncio.run(run())


def test_a_pre_built_frame_reaches_the_client_as_a_text_message(plain_server: str) -> None:
    long = "щ" * 40_000  # a 16-bit and a 64-bit length header, and non-ASCII text
    assert exchange(plain_server, ["hello", "x" * 200, long], compression=None) == \
        ["framed: hello", f"framed: {'x' * 200}", f"framed: {long}"]


def test_a_compressed_connection_refuses_raw_frames_so_the_caller_uses_the_normal_send(
    deflate_server: str,
) -> None:
    assert exchange(deflate_server, ["hello"]) == ["frame refused"]  # the client offered permessage-deflate
    assert exchange(deflate_server, ["hello"], compression=None) == ["framed: hello"]
