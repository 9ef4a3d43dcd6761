"""Helpers of the integration tests: a fake OpenAI-compatible provider on 127.0.0.1 (the
only thing faked), and readers of what the span writer stored."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from psycopg.rows import dict_row

USAGE = {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500}


class _ChatCompletions(BaseHTTPRequestHandler):
    """POST /v1/chat/completions: echoes the last user message, fixed usage."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if "fail" in json.dumps(request.get("messages")):
            body = {"error": {"message": "overloaded", "type": "server_error"}}
            self._send(503, body)
            return
        text = request["messages"][-1]["content"]
        body = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": f"echo: {text}"},
                    "finish_reason": "stop",
                }
            ],
            "usage": USAGE,
        }
        self._send(200, body)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def fake_openai() -> Iterator[str]:
    """A local OpenAI-compatible server; yields its base URL (…/v1)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatCompletions)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def stored(dsn: str) -> dict[str, list[dict[str, Any]]]:
    """Every workflow, node, generation and span row, in id order."""
    with psycopg.connect(dsn, row_factory=dict_row) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in (
                ("workflows", "id"),
                ("nodes", "id"),
                ("generations", "id"),
                ("workflow_spans", "created_at, span_id"),
                ("workflow_traces", "trace_id"),
            )
        }
