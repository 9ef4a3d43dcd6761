"""Document 004's approach, for the ingestion baseline: SQLAlchemy ORM, add + commit per call.

The model is the document's ``LLMCallHistory`` mapped onto this package's table: the
same columns, except that the document's ``estimated_cost`` is written to
``provided_cost`` (here ``estimated_cost`` is a generated column). The engine has the
document's pool settings (``pool_size=10, max_overflow=20, pool_pre_ping=True``) and the
session its ``autocommit=False, autoflush=False``; ``record`` is the document's
``_record_llm_call`` without its log line. SQLAlchemy comes from the ``bench`` extra only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg.conninfo import conninfo_to_dict


def _sqlalchemy():
    try:
        import sqlalchemy
        from sqlalchemy import orm
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("the ORM baseline needs SQLAlchemy: pip install -e '.[bench]'") from exc
    return sqlalchemy, orm


def url(dsn: str):
    sqlalchemy, _ = _sqlalchemy()
    parts = conninfo_to_dict(dsn)
    query = {"host": parts["host"]} if str(parts.get("host", "")).startswith("/") else {}
    if parts.get("options"):
        query["options"] = parts["options"]
    return sqlalchemy.engine.URL.create(
        "postgresql+psycopg",
        username=parts.get("user"),
        password=parts.get("password") or None,
        host=None if "host" in query else parts.get("host"),
        port=int(parts["port"]) if parts.get("port") else None,
        database=parts.get("dbname"),
        query=query,
    )


class DocumentRecorder:
    """The document's session and model; ``record`` adds one call and commits."""

    def __init__(self, dsn: str):
        sqlalchemy, orm = _sqlalchemy()
        from sqlalchemy import Boolean, Column, DateTime, Integer, Numeric, String

        class Base(orm.DeclarativeBase):
            pass

        class LLMCallHistory(Base):
            __tablename__ = "llm_call_history"
            id = Column(Integer, primary_key=True)
            history_id = Column(Integer, nullable=False)
            call_type = Column(String(50), nullable=False)
            model = Column(String(50), nullable=False)
            prompt_tokens = Column(Integer)
            completion_tokens = Column(Integer)
            total_tokens = Column(Integer)
            estimated_cost = Column("provided_cost", Numeric(10, 4))
            cache_hit = Column(Boolean, default=False)
            cache_key = Column(String(255))
            duration_seconds = Column(Numeric(6, 3))
            created_at = Column(DateTime, default=dt.datetime.now, nullable=False)

        self.model = LLMCallHistory
        self.engine = sqlalchemy.create_engine(
            url(dsn), pool_size=10, max_overflow=20, pool_pre_ping=True, echo=False
        )
        self.session = orm.sessionmaker(autocommit=False, autoflush=False, bind=self.engine)()

    def record(
        self,
        history_id: int,
        call_type: str,
        duration: float,
        model: str,
        tokens: dict[str, Any] | None = None,
        cost: float | None = None,
        cache_hit: bool = False,
        cache_key: str | None = None,
    ) -> None:
        llm_call = self.model(
            history_id=history_id,
            call_type=call_type,
            model=model,
            prompt_tokens=tokens.get("prompt_tokens") if tokens else None,
            completion_tokens=tokens.get("completion_tokens") if tokens else None,
            total_tokens=tokens.get("total_tokens") if tokens else None,
            estimated_cost=cost,
            cache_hit=cache_hit,
            cache_key=cache_key,
            duration_seconds=round(duration, 3),
        )
        self.session.add(llm_call)
        self.session.commit()

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()
