"""The node's WebSocket server protocol: uvicorn's own, plus one way to write a pre-built frame to the socket.

A live event goes to thousands of sockets as the same bytes. Through ASGI every send frames the text again
and passes several awaits (tens of µs each); the live room instead frames an event once and hands the bytes
to the `airwarn.frame_writer` scope extension this protocol adds, which is one `transport.write`. Only an
open, uncompressed connection whose buffer has room takes it; otherwise the caller uses the ASGI send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

EXTENSION = "airwarn.frame_writer"
FrameWriter = Callable[[bytes], bool]


def text_frame(text: str) -> bytes:
    """One unfragmented, unmasked text frame (what a server sends when no extension is in use)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


def frame_writer(scope: Mapping[str, Any]) -> FrameWriter | None:
    """The connection's frame writer, when the server offers one."""
    found = scope.get("extensions", {}).get(EXTENSION)
    return found["write"] if found else None


class FrameWriterProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol; accepted connections also get `write_frame` in their scope."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:
            self.scope["extensions"][EXTENSION] = {"write": self.write_frame}

    def write_frame(self, frame: bytes) -> bool:
        """Write a frame from `text_frame` now; False (nothing written) when the connection cannot take it."""
        if (not self.handshake_complete or self.close_sent or self.conn.extensions
                or self.conn.state is not State.OPEN or not self.writable.is_set() or self.transport.is_closing()):
            return False
        self.transport.write(frame)
        return True
