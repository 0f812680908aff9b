"""A time limit per request: the client is answered at the limit, and the work stops at its next check.

Work runs in a worker thread, and a thread cannot be stopped from outside. So the limit is kept
twice: the application stops waiting at the limit and answers ``503`` (:class:`TimeLimitExceeded`),
and the work itself holds a :class:`Deadline` that it checks between rows (a batch, the two sides
of a diff), raising the same error at the first check past the limit, so the thread is free again
after at most one more row. What runs between checks is bounded by other limits: reading an upload
by the body limit, checking and compiling criteria text by the language's own limits
(docs/security.md).
"""

from __future__ import annotations

import collections
import threading
import time

from partyrules.server.service import ApiError

#: the time limit of a request by default, in seconds
TIME_LIMIT = 60.0


class TimeLimitExceeded(ApiError):
    """A request whose work took longer than the server's limit: ``503``, saying how far it got."""

    def __init__(self, seconds: float, what: str = "", done: int | None = None, total: int | None = None) -> None:
        reached = f"; stopped while {what}" if what else ""
        if done is not None:  # a stream does not know its total
            reached += f" after {done} of {total} rows" if total is not None else f" after {done} rows"
        super().__init__(
            503,
            "time_limit",
            f"the work took longer than this server's limit of {seconds:g} s and was stopped{reached}; "
            "send a smaller batch, or start the server with a larger --time-limit",
            limit=seconds,
        )
        self.done = done
        self.total = total


class Deadline:
    """When the work of one request must end; :meth:`check` raises once it has passed."""

    def __init__(self, seconds: float | None, stopped: StoppedWork | None = None) -> None:
        self.seconds = seconds
        self.ends = None if seconds is None else time.monotonic() + seconds
        self._stopped = stopped

    def passed(self) -> bool:
        return self.ends is not None and time.monotonic() >= self.ends

    def check(self, what: str, done: int | None = None, total: int | None = None) -> None:
        """Raise :class:`TimeLimitExceeded` (and note it) if the limit has passed; ``what`` the work is doing."""
        if self.seconds is not None and self.passed():
            exc = TimeLimitExceeded(self.seconds, what, done, total)
            if self._stopped is not None:
                self._stopped.note(exc)
            raise exc


class StoppedWork:
    """The last works stopped by their deadline (their messages), for the log and for tests."""

    def __init__(self, keep: int = 100) -> None:
        self._lock = threading.Lock()
        self._messages: collections.deque[str] = collections.deque(maxlen=keep)
        self.count = 0

    def note(self, exc: TimeLimitExceeded) -> None:
        with self._lock:
            self._messages.append(str(exc))
            self.count += 1

    def messages(self) -> list[str]:
        with self._lock:
            return list(self._messages)
