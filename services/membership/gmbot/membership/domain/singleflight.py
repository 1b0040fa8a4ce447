"""One Bot API call for many concurrent questions about the same thing, in this process."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from gmbot.membership.metrics import SINGLE_FLIGHT_JOINS

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._flights: dict[Hashable, asyncio.Future[T]] = {}

    async def settled(self, key: Hashable) -> None:
        """Returns once the flight under way for `key` (if any) has ended, however it ended."""
        flight = self._flights.get(key)
        if flight is not None:
            await asyncio.wait([flight])  # waiting cancelled leaves the flight to the others

    async def run(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        flight = self._flights.get(key)
        if flight is not None:
            SINGLE_FLIGHT_JOINS.labels("process").inc()
            # shield: a caller that gives up must not cancel the others' answer
            return await asyncio.shield(flight)
        flight = asyncio.get_running_loop().create_future()
        self._flights[key] = flight
        try:
            result = await work()
        except BaseException as error:
            if not flight.done():
                flight.set_exception(error)
                flight.exception()  # retrieved: nobody else may be waiting
            raise
        else:
            flight.set_result(result)
            return result
        finally:
            del self._flights[key]
