"""Group commit and the SQLite write lock: what the callback hot path's writes rely on."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from designer.errors import StorageUnavailable
from designer.storage.engine import WriteLock
from designer.storage.groupcommit import GroupCommitter


class SlowWriter:
    """A ``write`` that records its batches and takes ``delay`` seconds per batch."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.batches: list[list[int]] = []
        self.writing = threading.Lock()
        self.overlapped = False

    def __call__(self, items: list[int]) -> list[object]:
        if not self.writing.acquire(blocking=False):
            self.overlapped = True  # two batches at once: must never happen
            self.writing.acquire()
        try:
            self.batches.append(list(items))
            time.sleep(self.delay)
            return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]
        finally:
            self.writing.release()


def submit_all(committer: GroupCommitter, items: list[int]) -> list[object]:
    results: list[object] = [None] * len(items)

    def one(n: int) -> None:
        try:
            results[n] = committer.submit(items[n])
        except Exception as exc:  # collected and asserted on by the test
            results[n] = exc

    threads = [threading.Thread(target=one, args=(n,)) for n in range(len(items))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_a_lone_write_goes_out_at_once_in_its_own_batch() -> None:
    writer = SlowWriter()
    committer = GroupCommitter(writer, name="test")
    assert committer.submit(4) == 40
    with pytest.raises(ValueError, match="odd 3"):
        committer.submit(3)  # an item's own failure is raised for that item only
    assert writer.batches == [[4], [3]]


def test_writes_arriving_during_a_batch_share_the_next_one() -> None:
    writer = SlowWriter(delay=0.05)
    committer = GroupCommitter(writer, name="test")
    items = list(range(20))
    results = submit_all(committer, items)
    for item, result in zip(items, results, strict=True):
        if item % 2:
            assert isinstance(result, ValueError) and str(result) == f"odd {item}"
        else:
            assert result == item * 10
    assert not writer.overlapped
    assert sorted(i for batch in writer.batches for i in batch) == items  # each exactly once
    assert len(writer.batches) < len(items)  # grouped: fewer transactions than writes
    assert max(len(batch) for batch in writer.batches) > 1


def test_a_failed_transaction_fails_its_whole_batch_and_only_that() -> None:
    calls = []

    def write(items: list[int]) -> list[object]:
        calls.append(items)
        if len(calls) == 1:
            raise StorageUnavailable("disk full")
        return items

    committer = GroupCommitter(write, name="test")
    with pytest.raises(StorageUnavailable, match="disk full"):
        committer.submit(1)
    assert committer.submit(2) == 2  # the committer is still usable


def test_a_write_that_waits_too_long_is_withdrawn_unwritten() -> None:
    release = threading.Event()
    written: list[list[int]] = []

    def write(items: list[int]) -> list[object]:
        written.append(items)
        release.wait(5)
        return items

    committer = GroupCommitter(write, name="test", wait_s=0.2)
    first = threading.Thread(target=committer.submit, args=(1,))
    first.start()
    time.sleep(0.05)  # 1 is being written and holds the writer
    started = time.monotonic()
    with pytest.raises(StorageUnavailable, match=r"did not get to this write within 0\.2 s"):
        committer.submit(2)
    assert time.monotonic() - started < 1
    release.set()
    first.join(timeout=5)
    assert committer.submit(3) == 3
    assert written == [[1], [3]]  # 2 was never written


def test_two_write_locks_on_one_file_exclude_each_other(tmp_path: Path) -> None:
    """As two processes' locks would: ``flock`` excludes per open file."""
    path = tmp_path / "d.db.writelock"
    mine, theirs = WriteLock(path, timeout=0.2), WriteLock(path, timeout=0.2)
    with mine.hold():
        started = time.monotonic()
        with pytest.raises(StorageUnavailable, match="busy with other writers"), theirs.hold():
            pass  # pragma: no cover - never entered
        assert time.monotonic() - started >= 0.2
    with theirs.hold():  # free again
        pass
    mine.close()
    theirs.close()


def test_a_write_lock_that_cannot_be_opened_is_storage_unavailable(tmp_path: Path) -> None:
    lock = WriteLock(tmp_path / "missing-dir" / "d.db.writelock")
    with pytest.raises(StorageUnavailable, match="cannot open the SQLite write lock"), lock.hold():
        pass  # pragma: no cover - never entered
