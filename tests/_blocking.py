"""Drive an async twin (``AsyncWorkflowLogger``, ``AsyncIssueHistory``) from a sync test.

The shared behavioural suites run every test on the sync class and on its async source
through ``Blocking``: each call runs on an event loop in another thread, in a context
kept per calling thread (as the sync classes' context variables are per thread), and
async context managers are entered and left on that loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import threading
from collections.abc import Callable, Coroutine
from typing import Any


class Blocking:
    def __init__(self, open_target: Callable[[], Coroutine[Any, Any, Any]]):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._contexts = threading.local()
        self._target = self.run(open_target())

    def _context(self) -> contextvars.Context:
        context = getattr(self._contexts, "value", None)
        if context is None:
            context = self._contexts.value = contextvars.copy_context()
        return context

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        context = self._context()

        async def in_context() -> Any:
            return await asyncio.get_running_loop().create_task(coro, context=context)

        return asyncio.run_coroutine_threadsafe(in_context(), self._loop).result()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if inspect.iscoroutinefunction(attribute):
            return lambda *args, **kwargs: self.run(attribute(*args, **kwargs))
        if callable(attribute) and name in {"node_context", "llm_call", "api_call"}:
            return lambda *args, **kwargs: self.enter(attribute(*args, **kwargs))
        return attribute

    @property
    def workflow_id(self) -> Any:
        return self._context().run(lambda: self._target.workflow_id)

    @workflow_id.setter
    def workflow_id(self, value: Any) -> None:
        self._context().run(setattr, self._target, "workflow_id", value)

    @contextlib.contextmanager
    def enter(self, manager: Any) -> Any:
        entered = self.run(manager.__aenter__())
        try:
            yield entered
        except BaseException as exc:
            if not self.run(manager.__aexit__(type(exc), exc, exc.__traceback__)):
                raise
        else:
            self.run(manager.__aexit__(None, None, None))

    def shutdown(self, close: Callable[[Any], Coroutine[Any, Any, Any]]) -> None:
        self.run(close(self._target))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
