"""The admission gate: at most `limit` questions inside, the rest served in arrival order."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.admission import AdmissionGate


def test_never_more_than_the_limit_inside_and_everyone_gets_through():
    gate = AdmissionGate(2)
    inside, peak, lock = 0, 0, threading.Lock()

    def work() -> None:
        nonlocal inside, peak
        with gate:
            with lock:
                inside += 1
                peak = max(peak, inside)
            time.sleep(0.005)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert peak == 2 and inside == 0 and gate.waiting == 0


def test_waiters_are_admitted_first_come_first_served_and_an_error_frees_the_place():
    gate = AdmissionGate(1)
    order: list[int] = []
    release = threading.Event()

    def holder() -> None:
        with pytest.raises(RuntimeError), gate:
            release.wait(5)
            raise RuntimeError("a question that fails still leaves")

    def waiter(i: int) -> None:
        with gate:
            order.append(i)

    first = threading.Thread(target=holder)
    first.start()
    waiters = []
    for i in range(5):
        t = threading.Thread(target=waiter, args=(i,))
        t.start()
        while gate.waiting < i + 1:  # queue them in a known order
            time.sleep(0.001)
        waiters.append(t)
    release.set()
    for t in [first, *waiters]:
        t.join(timeout=10)
    assert order == [0, 1, 2, 3, 4]
    with gate:  # the place is free again
        assert gate.waiting == 0


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError):
        AdmissionGate(0)
