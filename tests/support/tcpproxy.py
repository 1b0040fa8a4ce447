"""A TCP proxy a test can cut and restore: what a Redis outage looks like to a client, without
stopping the Redis other tests share.

Each end-to-end process's stack talks to Redis through one, all the time: the bytes go from one
transport straight to the other (protocols, not streams: a stream's read, future and drain per
chunk made the proxy 3 % of a test run's CPU)."""

from __future__ import annotations

import asyncio


class _Side(asyncio.Protocol):
    """One connection of a proxied pair: what it receives is written to its peer, and it stops
    reading while its peer cannot keep up."""

    def __init__(self, proxy: TcpProxy) -> None:
        self._proxy = proxy
        self.transport: asyncio.Transport | None = None
        self.peer: _Side | None = None
        self._early: list[bytes] = []  # received before the peer connected

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self._proxy.open.add(transport)

    def joined(self, peer: _Side) -> None:
        self.peer = peer
        assert peer.transport is not None
        for data in self._early:
            peer.transport.write(data)
        self._early.clear()

    def data_received(self, data: bytes) -> None:
        if self.peer is None or self.peer.transport is None:
            self._early.append(data)
        else:
            self.peer.transport.write(data)

    def connection_lost(self, exc: Exception | None) -> None:
        assert self.transport is not None
        self._proxy.open.discard(self.transport)
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self.open: set[asyncio.Transport] = set()  # both sides of every proxied connection
        self._connecting: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._accepted, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuses new connections and drops the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for transport in list(self.open):
            transport.close()
        self.open.clear()

    def _accepted(self) -> _Side:
        client = _Side(self)
        task = asyncio.get_running_loop().create_task(self._connect(client))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)
        return client

    async def _connect(self, client: _Side) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, upstream = await loop.create_connection(lambda: _Side(self), *self._target)
        except OSError:
            if client.transport is not None:
                client.transport.close()
            return
        if client.transport is None or client.transport.is_closing():
            assert upstream.transport is not None
            upstream.transport.close()
            return
        upstream.joined(client)
        client.joined(upstream)
