"""Asyncio I/O layer: the HTTP listener, the tunnel, replay/forward and vendor clients. No Qt."""
