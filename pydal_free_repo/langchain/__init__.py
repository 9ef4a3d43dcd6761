"""LangChain / LangGraph integration (the ``langchain`` extra): ``WorkflowCallbackHandler``."""

from pydal_free_repo.langchain.handler import WorkflowCallbackHandler

__all__ = ["WorkflowCallbackHandler"]
