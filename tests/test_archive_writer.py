"""The archive writer thread: items stored in order, in batched transactions, a full queue holds the submitter back,
a failing item fails alone, and close stores everything already submitted."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from pipelines.writer import ArchiveWriter


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE rows (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER)"))
    return sessionmaker(engine)


def stored(factory: sessionmaker[Session]) -> list[int]:
    with factory() as session:
        return list(session.scalars(text("SELECT n FROM rows ORDER BY id")))


def insert(session: Session, n: int) -> int:
    if n < 0:
        raise ValueError(f"bad item {n}")
    session.execute(text("INSERT INTO rows (n) VALUES (:n)"), {"n": n})
    return n * 10


def alone(factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    def store_alone(n: int) -> int:
        with factory.begin() as session:
            return insert(session, n)

    return store_alone


def test_items_are_stored_in_submission_order_in_batches(factory):
    commits: list[int] = []
    writer = ArchiveWriter(factory, insert, alone(factory), on_commit=lambda: commits.append(1), max_batch=50)
    gate = threading.Event()
    first = writer.submit(0)  # the rest queue up behind it while the first batch is being written
    writer.store = lambda s, n: (gate.wait(5), insert(s, n))[1]
    futures = [writer.submit(n) for n in range(1, 120)]
    gate.set()
    assert [f.result(timeout=10) for f in [first, *futures]] == [n * 10 for n in range(120)]
    assert writer.close(10)
    assert stored(factory) == list(range(120))
    assert len(commits) == writer.batches < 120  # batched: fewer commits than items


def test_a_full_queue_holds_the_submitter_back_until_the_writer_catches_up(factory):
    gate = threading.Event()

    def slow(session: Session, n: int) -> int:
        gate.wait(10)
        return insert(session, n)

    writer = ArchiveWriter(factory, slow, alone(factory), max_batch=1, max_queue=2)
    submitted: list[int] = []

    def submit_all() -> None:
        for n in range(6):
            writer.submit(n)
            submitted.append(n)

    producer = threading.Thread(target=submit_all)
    producer.start()
    # one item is being written (blocked on the gate), two wait in the queue: the fourth submit blocks
    for _ in range(200):
        if writer.queue.full() and len(submitted) == 3:
            break
        threading.Event().wait(0.01)
    producer.join(0.2)
    assert producer.is_alive()
    assert submitted == [0, 1, 2]
    assert stored(factory) == []
    gate.set()
    producer.join(10)
    assert submitted == list(range(6))
    assert writer.close(10)
    assert stored(factory) == list(range(6))


def test_a_failing_item_fails_alone_and_the_rest_of_its_batch_is_stored(factory):
    rollbacks: list[int] = []
    writer = ArchiveWriter(factory, insert, alone(factory), on_rollback=lambda: rollbacks.append(1), max_batch=50)
    gate = threading.Event()
    head = writer.submit(100)
    writer.store = lambda s, n: (gate.wait(5), insert(s, n))[1]
    futures = {n: writer.submit(n) for n in (1, 2, -3, 4, 5)}  # one batch behind the head, with a bad item in it
    gate.set()
    head.result(timeout=10)
    with pytest.raises(ValueError, match="bad item -3"):
        futures[-3].result(timeout=10)
    assert [futures[n].result(timeout=10) for n in (1, 2, 4, 5)] == [10, 20, 40, 50]
    assert writer.close(10)
    assert stored(factory) == [100, 1, 2, 4, 5]
    assert rollbacks == [1]


def test_a_future_resolves_only_after_its_transaction_committed(factory):
    seen_committed: list[list[int]] = []
    writer = ArchiveWriter(factory, insert, alone(factory))
    future = writer.submit(7)
    future.add_done_callback(lambda f: seen_committed.append(stored(factory)))
    future.result(timeout=10)
    assert writer.close(10)
    assert seen_committed == [[7]]


def test_close_stores_everything_already_submitted(factory):
    gate = threading.Event()
    writer = ArchiveWriter(factory, lambda s, n: (gate.wait(5), insert(s, n))[1], alone(factory), max_batch=7)
    futures = [writer.submit(n) for n in range(40)]
    gate.set()
    assert writer.close(10)
    assert all(f.done() for f in futures)
    assert stored(factory) == list(range(40))
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(41)
