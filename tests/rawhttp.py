"""Raw HTTP over a real socket, for listener tests: bytes go out exactly as written (no
client library tidies them up) and the answer comes back as bytes."""

from __future__ import annotations

import asyncio


async def send_last(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    data: bytes = b"",
    read_timeout: float = 5.0,
) -> bytes:
    """Send a connection's last bytes, read until the server closes, close our side."""
    try:
        if data:
            writer.write(data)
            await writer.drain()
        return await asyncio.wait_for(reader.read(), read_timeout)
    finally:
        writer.close()
        await writer.wait_closed()


async def raw_http(port: int, request: bytes, read_timeout: float = 5.0) -> bytes:
    """Send ``request`` on a fresh connection; return everything answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return await send_last(reader, writer, request, read_timeout)


async def trickle(port: int, data: bytes, delay: float, read_timeout: float = 10.0) -> bytes:
    """Send ``data`` one byte at a time, ``delay`` seconds apart; return the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for i in range(len(data)):
            writer.write(data[i : i + 1])
            await writer.drain()
            await asyncio.sleep(delay)
    except BaseException:
        writer.close()
        raise
    return await send_last(reader, writer, read_timeout=read_timeout)


async def read_one_answer(reader: asyncio.StreamReader) -> bytes:
    """Read one answer with a Content-Length off a kept-alive connection; returns its head."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    await reader.readexactly(length)
    return head
