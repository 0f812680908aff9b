"""A small Language Server Protocol client over a subprocess's standard input and output.

It talks to ``partyrules lsp`` exactly as an editor does (JSON-RPC messages framed by
``Content-Length`` headers), one request at a time: the tests (tests/test_lsp.py) and the
benchmark (benchmarks/bench_lsp.py) use it. Messages are plain JSON data as the protocol
writes them; a thread reads the server's output so that a silent server fails a wait after
a timeout instead of hanging.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

TIMEOUT = 60.0


class ServerError(Exception):
    """The server answered a request with an error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.error = error


class Client:
    """One running server and the documents opened in it."""

    def __init__(self, argv: list[str] | None = None, *, initialization_options: Any = None) -> None:
        argv = argv or [sys.executable, "-m", "partyrules", "lsp", "--stdio"]
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()
        self._next = 0
        self.versions: dict[str, int] = {}
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.published: list[dict[str, Any]] = []  # every publishDiagnostics, in order
        self.capabilities = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": None,
                "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
                "initializationOptions": initialization_options,
            },
        )["capabilities"]
        self.notify("initialized", {})

    # ------------------------------------------------------------ the wire
    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self._messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            assert length is not None, "a message without Content-Length"
            self._messages.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _next_message(self) -> dict[str, Any]:
        message = self._messages.get(timeout=TIMEOUT)
        if message is None:
            raise EOFError("the server stopped: " + self.stderr())
        if message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.diagnostics[params["uri"]] = params["diagnostics"]
            self.published.append(params)
        elif "method" in message and "id" in message:  # a request of the server's: answered, empty
            self._send({"id": message["id"], "result": None})
        return message

    def stderr(self) -> str:
        if self.process.poll() is None:
            return ""
        assert self.process.stderr is not None
        return self.process.stderr.read().decode("utf-8", "replace")

    def request(self, method: str, params: Any) -> Any:
        self._next += 1
        number = self._next
        self._send({"id": number, "method": method, "params": params})
        while True:
            message = self._next_message()
            if message.get("id") == number and "method" not in message:
                if "error" in message:
                    raise ServerError(message["error"])
                return message.get("result")

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    def wait_diagnostics(self, uri: str) -> list[dict[str, Any]]:
        """The diagnostics the server publishes next for ``uri``."""
        while True:
            message = self._next_message()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return list(message["params"]["diagnostics"])

    # ------------------------------------------------------------ documents
    def open(self, path: Path, text: str | None = None) -> tuple[str, list[dict[str, Any]]]:
        """Open a file (its text on disk unless given); its URI and its first diagnostics."""
        uri = path.resolve().as_uri()
        text = path.read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "criteria", "version": 1, "text": text}},
        )
        return uri, self.wait_diagnostics(uri)

    def change(self, uri: str, text: str) -> list[dict[str, Any]]:
        """Replace a document's whole text; the diagnostics published for it."""
        self.versions[uri] += 1
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": self.versions[uri]}, "contentChanges": [{"text": text}]},
        )
        return self.wait_diagnostics(uri)

    def burst(self, uri: str, texts: list[str]) -> None:
        """Send several whole-text changes at once, as an editor does for a paste or fast typing; the
        diagnostics come later (see :meth:`wait_diagnostics`)."""
        for text in texts:
            self.versions[uri] += 1
            self.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": uri, "version": self.versions[uri]}, "contentChanges": [{"text": text}]},
            )

    def at(self, method: str, uri: str, line: int, character: int, **extra: Any) -> Any:
        """A request about one position (0-based line and character, as the protocol counts)."""
        params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}, **extra}
        return self.request(method, params)

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()


def position_of(text: str, needle: str, occurrence: int = 0, offset: int = 0) -> tuple[int, int]:
    """The 0-based (line, UTF-16 character) of the ``occurrence``-th ``needle`` in ``text``, plus ``offset``."""
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    at += offset
    line = text.count("\n", 0, at)
    start = text.rfind("\n", 0, at) + 1
    return line, len(text[start:at].encode("utf-16-le")) // 2
