"""How many questions one process searches and answers at once.

Beyond one question per core, more threads in the pipeline only add thread switching and GIL
hand-offs: every question gets slower and the CPU spent per question rises (measured with
`benchmarks.load_test`). The gate lets `limit` questions in and queues the rest first come, first
served: a freed place goes straight to the longest waiter, so a newcomer never overtakes the queue
and the tail latency stays the queue's length, not luck.
"""

from __future__ import annotations

import threading
from collections import deque
from types import TracebackType


class AdmissionGate:
    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        self.limit = limit
        self._lock = threading.Lock()
        self._free = limit
        self._waiting: deque[threading.Event] = deque()

    def __enter__(self) -> AdmissionGate:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return self
            turn = threading.Event()
            self._waiting.append(turn)
        turn.wait()  # the place was handed over by the question that left
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().set()  # hand the place on: the count stays taken
            else:
                self._free += 1

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)
