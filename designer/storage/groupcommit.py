"""Group commit: the writes of many threads in one transaction.

SQLite has one writer at a time, and each commit appends every page it
touched to the WAL.  When each of a server's threads commits its own small
transaction, the threads queue for the write lock (each holding it across
several GIL hand-offs) and every callback pays for rewriting the same index
pages.  ``GroupCommitter`` queues the writes instead and writes whatever has
queued up as one batch, ``write(batch)``, in one transaction: under load the
cost of a commit is shared by the whole batch, and a lone write goes out at
once.

There is no writer thread (leader/follower): the thread that finds no write
in progress writes its own item at once and becomes the *leader*; threads
arriving meanwhile queue as *followers*.  When the leader's batch is done it
wakes its followers with their outcomes and hands the lead to the oldest
queued item's thread, which writes everything that queued up meanwhile.

Waiting is bounded: a write still queued after ``wait_s`` is withdrawn and
``StorageUnavailable`` raised; one already being written is waited for up to
``wait_s`` more (the writer's own waits are bounded by the database settings).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from designer.errors import StorageUnavailable

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Ticket(Generic[Item, Result]):
    __slots__ = ("item", "lead", "outcome", "taken", "wake", "written")

    def __init__(self, item: Item) -> None:
        self.item = item
        self.wake = threading.Event()  # set once written, or when handed the lead
        self.taken = False  # in a batch being written: can no longer be withdrawn
        self.written = False
        self.lead = False
        self.outcome: Result | BaseException | None = None


class GroupCommitter(Generic[Item, Result]):
    """Funnels ``submit(item)`` calls of many threads into batched ``write(items)`` calls.

    ``write`` returns one outcome per item, in order: a result, or an
    exception that ``submit`` raises for that item alone.  An exception
    raised by ``write`` itself (the transaction failed) fails the whole batch.
    """

    def __init__(
        self,
        write: Callable[[list[Item]], list[Result | BaseException]],
        *,
        name: str,
        max_batch: int = 128,
        wait_s: float = 2.0,
    ) -> None:
        self._write = write
        self.name = name
        self.max_batch = max_batch
        self.wait_s = wait_s
        self._queue: list[_Ticket[Item, Result]] = []
        self._mutex = threading.Lock()
        self._writing = False  # a leader is writing

    def submit(self, item: Item) -> Result:
        ticket: _Ticket[Item, Result] = _Ticket(item)
        with self._mutex:
            self._queue.append(ticket)
            ticket.lead = not self._writing
            self._writing = True
        if not ticket.lead:
            self._follow(ticket)
        if ticket.lead:
            self._lead(ticket)
        outcome = ticket.outcome
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome  # type: ignore[return-value]

    def _follow(self, ticket: _Ticket[Item, Result]) -> None:
        """Wait until another thread has written the ticket, or hands this one the lead."""
        if ticket.wake.wait(self.wait_s):
            return
        with self._mutex:
            if not ticket.taken and not ticket.lead:  # still queued: withdraw it
                self._queue.remove(ticket)
                raise StorageUnavailable(
                    f"the {self.name} writer did not get to this write within "
                    f"{self.wait_s:g} s: the database is overloaded or stuck"
                )
        if not ticket.wake.wait(self.wait_s):
            raise StorageUnavailable(
                f"the {self.name} write took more than {2 * self.wait_s:g} s; it may still complete"
            )

    def _lead(self, ticket: _Ticket[Item, Result]) -> None:
        """Write batches until this ticket's is done, then hand the lead on (or drop it)."""
        try:
            while not ticket.written:
                with self._mutex:
                    batch = self._queue[: self.max_batch]
                    del self._queue[: self.max_batch]
                    for queued in batch:
                        queued.taken = True
                self._run(batch)
        finally:
            with self._mutex:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._writing = False

    def _run(self, batch: list[_Ticket[Item, Result]]) -> None:
        try:
            outcomes = self._write([t.item for t in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} writes")
        except Exception as exc:  # the whole transaction failed: every write in it did
            if not isinstance(exc, StorageUnavailable):
                log.warning("%s: a batch of %d writes failed: %s", self.name, len(batch), exc)
            outcomes = [exc] * len(batch)
        for queued, outcome in zip(batch, outcomes, strict=True):
            queued.outcome = outcome
            queued.written = True
            queued.wake.set()
