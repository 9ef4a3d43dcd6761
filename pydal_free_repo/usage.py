"""Token usage from whatever an LLM client returned, in one meaning (OpenTelemetry GenAI).

``read_usage(x)`` takes, without hand-mapping:

- an OpenAI Chat Completions response or its ``usage`` (``prompt_tokens``,
  ``prompt_tokens_details.cached_tokens``, ``completion_tokens_details.reasoning_tokens``);
- an OpenAI Responses API response or its ``usage`` (``input_tokens``,
  ``input_tokens_details.cached_tokens``, ``output_tokens_details.reasoning_tokens``);
- an Anthropic ``Message`` or its ``usage`` (``input_tokens`` EXCLUDES
  ``cache_read_input_tokens`` and ``cache_creation_input_tokens``: they are added);
- a Google Gemini response or its ``usage_metadata`` (snake_case or the REST camelCase;
  ``thoughts_token_count`` is added to the output, ``tool_use_prompt_token_count`` to the
  input, as Google bills them);
- an AWS Bedrock Converse response or its ``usage`` (``inputTokens`` excludes
  ``cacheReadInputTokens`` and ``cacheWriteInputTokens``: they are added);
- an Ollama response (``prompt_eval_count``, ``eval_count``), object or dict;
- a LangChain ``AIMessage`` or its ``usage_metadata``;
- the plain dicts of each (``model_dump()`` or the JSON body), and a ``Usage``.

The result always means (OpenTelemetry GenAI semantic conventions):

- ``input_tokens``: every input token, cache reads and cache writes INCLUDED;
- ``output_tokens``: every output token, reasoning tokens INCLUDED;
- ``cache_read_tokens`` / ``cache_write_tokens``: the parts of ``input_tokens`` read from /
  written to the provider's prompt cache; ``reasoning_tokens``: the part of
  ``output_tokens`` spent thinking;
- ``total_tokens``: as reported, else ``input_tokens + output_tokens``.

``read_usage`` never raises over the usage object itself: the LLM call already happened
and must be recorded. What cannot be read, or counts that contradict each other (cache
reads above the input, a total that is not the sum), leave the doubtful count as None
(unknown) and a sentence in ``problems``; the repositories store the first one with the
call (``usage_problem``), log it once per process and ``pfr doctor`` counts them.

The shapes genai-prices knows (OpenAI, Anthropic, Gemini, Bedrock) are read with its
``extract_usage`` when the data is complete; the tolerant reader here takes over for
Ollama, LangChain, partial data and anything ``extract_usage`` refuses.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

log = logging.getLogger(__name__)

# The INTEGER token columns' limit: a larger count is reported as a problem, not stored.
_INT4_MAX = 2**31 - 1

# Provider names as OpenTelemetry's gen_ai.provider.name spells them, from the names
# clients, LangChain and genai-prices use.
PROVIDER_ALIASES = {
    "openai": "openai",
    "azure": "azure.ai.openai",
    "azure_openai": "azure.ai.openai",
    "azure-openai": "azure.ai.openai",
    "anthropic": "anthropic",
    "google": "gcp.gemini",
    "gemini": "gcp.gemini",
    "google_genai": "gcp.gemini",
    "google-genai": "gcp.gemini",
    "google_vertexai": "gcp.vertex_ai",
    "vertex": "gcp.vertex_ai",
    "vertexai": "gcp.vertex_ai",
    "aws": "aws.bedrock",
    "bedrock": "aws.bedrock",
    "bedrock_converse": "aws.bedrock",
    "amazon_bedrock": "aws.bedrock",
    "ollama": "ollama",
    "mistral": "mistral_ai",
    "mistralai": "mistral_ai",
    "x-ai": "x_ai",
    "xai": "x_ai",
    "groq": "groq",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "perplexity": "perplexity",
}


@dataclasses.dataclass(frozen=True)
class Usage:
    """Token counts of one LLM call (None: not reported) and where they came from."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None
    model: str | None = None
    provider: str | None = None
    problems: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether any token count came back (else the call's usage is unknown)."""
        return any(
            value is not None
            for value in (
                self.input_tokens,
                self.output_tokens,
                self.cache_read_tokens,
                self.cache_write_tokens,
                self.reasoning_tokens,
                self.total_tokens,
            )
        )

    @property
    def problem(self) -> str | None:
        """The problems as one line (what is stored with the call), or None."""
        return "; ".join(self.problems) if self.problems else None

    def columns(self) -> dict[str, int | None]:
        """The counts under the LLM-call tables' column names."""
        return {
            "prompt_tokens": self.input_tokens,
            "completion_tokens": self.output_tokens,
            "total_tokens": self.total_tokens,
            "cached_input_tokens": self.cache_read_tokens,
            "cache_write_input_tokens": self.cache_write_tokens,
            "reasoning_tokens": self.reasoning_tokens,
        }


def provider_name(name: Any) -> str | None:
    """``name`` as OpenTelemetry's gen_ai.provider.name (unknown names kept, lower-cased)."""
    if not isinstance(name, str) or not name.strip():
        return None
    key = name.strip().lower()
    return PROVIDER_ALIASES.get(key, key)


def read_usage(obj: Any, *, model: str | None = None, provider: str | None = None) -> Usage:
    """The usage in ``obj`` (see the module documentation); ``model`` and ``provider``,
    when given, win over what the response reports. Never raises over ``obj``."""
    try:
        found = _read(obj)
    except Exception as exc:  # an LLM call is never lost over its usage object
        found = _Found(problems=[f"usage of {_type_name(obj)} could not be read: {exc}"])
    return found.usage(model=model, provider=provider)


def log_problem_once(problem: str) -> None:
    """Log a usage problem the first time this process sees it (they are also counted in
    the database with each call)."""
    with _SEEN_LOCK:
        if problem in _SEEN:
            return
        if len(_SEEN) < 1000:
            _SEEN.add(problem)
    log.warning("LLM call recorded with a usage problem (logged once): %s", problem)


_SEEN: set[str] = set()
_SEEN_LOCK = threading.Lock()


# -- reading -------------------------------------------------------------------------------


@dataclasses.dataclass
class _Found:
    input: Any = None
    output: Any = None
    cache_read: Any = None
    cache_write: Any = None
    reasoning: Any = None
    total: Any = None
    model: Any = None
    provider: Any = None
    problems: list[str] = dataclasses.field(default_factory=list)

    def usage(self, *, model: str | None, provider: str | None) -> Usage:
        counts = {}
        for name in ("input", "output", "cache_read", "cache_write", "reasoning", "total"):
            counts[name] = self._count(name, getattr(self, name))
        self._check(counts)
        if counts["total"] is None and counts["input"] is not None and counts["output"] is not None:
            total = counts["input"] + counts["output"]
            counts["total"] = total if total <= _INT4_MAX else None
        chosen_model = model if model else self.model
        return Usage(
            input_tokens=counts["input"],
            output_tokens=counts["output"],
            cache_read_tokens=counts["cache_read"],
            cache_write_tokens=counts["cache_write"],
            reasoning_tokens=counts["reasoning"],
            total_tokens=counts["total"],
            model=chosen_model if isinstance(chosen_model, str) and chosen_model else None,
            provider=provider_name(provider) or provider_name(self.provider),
            problems=tuple(self.problems),
        )

    def _count(self, name: str, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.problems.append(f"{name} tokens is a boolean ({value!r})")
            return None
        if isinstance(value, (float, Decimal)) and math.isfinite(value) and value == int(value):
            value = int(value)
        if not isinstance(value, int):
            self.problems.append(f"{name} tokens is not a whole number ({value!r})")
            return None
        if value < 0:
            self.problems.append(f"{name} tokens is negative ({value})")
            return None
        if value > _INT4_MAX:
            self.problems.append(f"{name} tokens is too large to store ({value})")
            return None
        return value

    def _check(self, counts: dict[str, int | None]) -> None:
        """Contradicting counts: the parts are dropped (unknown), the whole is kept."""
        parts = (counts["cache_read"] or 0) + (counts["cache_write"] or 0)
        if counts["input"] is not None and parts > counts["input"]:
            self.problems.append(
                f"cache read + cache write tokens ({parts}) exceed the input tokens "
                f"({counts['input']})"
            )
            counts["cache_read"] = counts["cache_write"] = None
        if (
            counts["reasoning"] is not None
            and counts["output"] is not None
            and counts["reasoning"] > counts["output"]
        ):
            self.problems.append(
                f"reasoning tokens ({counts['reasoning']}) exceed the output tokens "
                f"({counts['output']})"
            )
            counts["reasoning"] = None
        if (
            counts["total"] is not None
            and counts["input"] is not None
            and counts["output"] is not None
            and counts["total"] != counts["input"] + counts["output"]
        ):
            self.problems.append(
                f"total tokens ({counts['total']}) is not input + output "
                f"({counts['input']} + {counts['output']})"
            )


def _read(obj: Any) -> _Found:
    if obj is None:
        return _Found()
    if isinstance(obj, Usage):
        return _Found(
            input=obj.input_tokens,
            output=obj.output_tokens,
            cache_read=obj.cache_read_tokens,
            cache_write=obj.cache_write_tokens,
            reasoning=obj.reasoning_tokens,
            total=obj.total_tokens,
            model=obj.model,
            provider=obj.provider,
            problems=list(obj.problems),
        )
    if isinstance(obj, (str, bytes, int, float, list, tuple)):
        return _Found(problems=[f"usage must be a response or usage object, not {_type_name(obj)}"])

    # A LangChain message: usage_metadata beside response_metadata.
    metadata = _get(obj, "response_metadata")
    usage_metadata = _get(obj, "usage_metadata")
    if metadata is not None and (usage_metadata is not None or _get(obj, "content") is not None):
        found = _langchain(usage_metadata) if usage_metadata is not None else _Found()
        found.model = _get(metadata, "model_name", "model")
        found.provider = _get(metadata, "model_provider", "ls_provider") or found.provider
        return found

    # A Gemini response: usage_metadata / usageMetadata, model_version / modelVersion.
    gemini = usage_metadata if usage_metadata is not None else _get(obj, "usageMetadata")
    if gemini is not None:
        found = _gemini(gemini)
        found.model = _get(obj, "model_version", "modelVersion")
        return found

    # A response carrying a usage part (OpenAI, Anthropic, Bedrock).
    usage = _get(obj, "usage")
    if usage is not None:
        hint = _response_kind(obj)
        found = _part(usage, hint)
        found.model = _get(obj, "model", "modelId")
        return found

    # An Ollama response carries its counts at the top level.
    if _has(obj, "prompt_eval_count", "eval_count"):
        found = _ollama(obj)
        found.model = _get(obj, "model")
        return found

    if _get(obj, "choices", "content", "candidates", "output") is not None:
        # A response that came back without usage (streaming without include_usage...).
        found = _Found(model=_get(obj, "model", "model_version", "modelVersion"))
        found.problems.append(f"{_type_name(obj)} carries no usage")
        return found
    return _part(obj, None)


def _response_kind(obj: Any) -> str | None:
    kind = _get(obj, "object")
    if kind == "response":
        return "responses"
    if kind in ("chat.completion", "chat.completion.chunk"):
        return "chat"
    if _get(obj, "type") == "message" or _module(obj).startswith("anthropic"):
        return "anthropic"
    if _has(obj, "modelId", "stopReason", "output", "metrics") and _has(
        _get(obj, "usage"), "inputTokens"
    ):
        return "bedrock"
    return None


def _part(usage: Any, hint: str | None) -> _Found:
    """A usage part alone: recognised by its keys (and the response's kind, if known)."""
    if _has(usage, "prompt_tokens", "completion_tokens"):
        return _openai_chat(usage)
    if _has(usage, "inputTokens", "outputTokens"):
        return _bedrock(usage)
    if _has(
        usage,
        "prompt_token_count",
        "promptTokenCount",
        "candidates_token_count",
        "candidatesTokenCount",
    ):
        return _gemini(usage)
    if _has(usage, "prompt_eval_count", "eval_count"):
        return _ollama(usage)
    if _has(usage, "input_token_details", "output_token_details") and hint is None:
        return _langchain(usage)
    if (
        hint == "anthropic"
        or _module(usage).startswith("anthropic")
        or _has(usage, "cache_creation_input_tokens", "cache_read_input_tokens")
    ):
        return _anthropic(usage)
    if _has(usage, "input_tokens", "output_tokens"):
        return _openai_responses(usage)
    return _Found(problems=[f"no token counts found in {_type_name(usage)}"])


# -- one reader per shape ---------------------------------------------------------------------


def _openai_chat(u: Any) -> _Found:
    extracted = _extract({"model": None, "usage": _plain(u)}, "openai", "chat")
    if extracted is not None:
        extracted.total = _get(u, "total_tokens")
        extracted.provider = "openai"
        return extracted
    return _Found(
        input=_get(u, "prompt_tokens"),
        output=_get(u, "completion_tokens"),
        total=_get(u, "total_tokens"),
        cache_read=_get(_get(u, "prompt_tokens_details"), "cached_tokens"),
        cache_write=_get(_get(u, "prompt_tokens_details"), "cache_write_tokens"),
        reasoning=_get(_get(u, "completion_tokens_details"), "reasoning_tokens"),
        provider="openai",
    )


def _openai_responses(u: Any) -> _Found:
    extracted = _extract({"model": None, "usage": _plain(u)}, "openai", "responses")
    if extracted is not None:
        extracted.total = _get(u, "total_tokens")
        extracted.provider = "openai"
        return extracted
    return _Found(
        input=_get(u, "input_tokens"),
        output=_get(u, "output_tokens"),
        total=_get(u, "total_tokens"),
        cache_read=_get(_get(u, "input_tokens_details"), "cached_tokens"),
        cache_write=_get(_get(u, "input_tokens_details"), "cache_write_tokens"),
        reasoning=_get(_get(u, "output_tokens_details"), "reasoning_tokens"),
        provider="openai",
    )


def _anthropic(u: Any) -> _Found:
    extracted = _extract({"model": None, "usage": _plain(u)}, "anthropic", "default")
    if extracted is not None:
        extracted.provider = "anthropic"
        return extracted
    read = _get(u, "cache_read_input_tokens")
    write = _get(u, "cache_creation_input_tokens")
    base = _get(u, "input_tokens")
    return _Found(
        input=_sum(base, read, write),
        output=_get(u, "output_tokens"),
        cache_read=read,
        cache_write=write,
        reasoning=_get(_get(u, "output_tokens_details"), "thinking_tokens"),
        provider="anthropic",
    )


def _bedrock(u: Any) -> _Found:
    extracted = _extract({"model": None, "usage": _plain(u)}, "aws", "default")
    if extracted is not None:
        extracted.total = _get(u, "totalTokens")
        extracted.provider = "aws.bedrock"
        return extracted
    read = _get(u, "cacheReadInputTokens")
    write = _get(u, "cacheWriteInputTokens")
    return _Found(
        input=_sum(_get(u, "inputTokens"), read, write),
        output=_get(u, "outputTokens"),
        total=_get(u, "totalTokens"),
        cache_read=read,
        cache_write=write,
        provider="aws.bedrock",
    )


_GEMINI_CAMEL = {
    "prompt_token_count": "promptTokenCount",
    "candidates_token_count": "candidatesTokenCount",
    "cached_content_token_count": "cachedContentTokenCount",
    "thoughts_token_count": "thoughtsTokenCount",
    "tool_use_prompt_token_count": "toolUsePromptTokenCount",
    "total_token_count": "totalTokenCount",
}


def _gemini(u: Any) -> _Found:
    # Only the scalar counts are passed on: the per-modality details price nothing the
    # tables store, and genai-prices refuses some partial detail lists.
    camel = {
        to: value
        for snake, to in _GEMINI_CAMEL.items()
        if (value := _get(u, snake, to)) is not None
    }
    extracted = _extract({"modelVersion": None, "usageMetadata": camel}, "google", "default")
    if extracted is not None:
        extracted.total = camel.get("totalTokenCount")
        extracted.provider = "gcp.gemini"
        return extracted
    thoughts = camel.get("thoughtsTokenCount")
    return _Found(
        input=_sum(camel.get("promptTokenCount"), camel.get("toolUsePromptTokenCount")),
        output=_sum(camel.get("candidatesTokenCount"), thoughts),
        total=camel.get("totalTokenCount"),
        cache_read=camel.get("cachedContentTokenCount"),
        reasoning=thoughts,
        provider="gcp.gemini",
    )


def _ollama(r: Any) -> _Found:
    found = _Found(
        input=_get(r, "prompt_eval_count"), output=_get(r, "eval_count"), provider="ollama"
    )
    if found.input is None and found.output is not None:
        # Ollama leaves prompt_eval_count out when the whole prompt came from its cache.
        found.problems.append("Ollama reported no prompt_eval_count (prompt from its cache?)")
    return found


def _langchain(u: Any) -> _Found:
    # LangChain's usage_metadata already follows the same meaning: input_tokens includes
    # input_token_details.cache_read / cache_creation, output_tokens the reasoning.
    details_in = _get(u, "input_token_details")
    details_out = _get(u, "output_token_details")
    return _Found(
        input=_get(u, "input_tokens"),
        output=_get(u, "output_tokens"),
        total=_get(u, "total_tokens"),
        cache_read=_get(details_in, "cache_read"),
        cache_write=_get(details_in, "cache_creation"),
        reasoning=_get(details_out, "reasoning"),
    )


def _extract(data: dict[str, Any], provider_id: str, flavor: str) -> _Found | None:
    """genai-prices' extract_usage on complete data; None when it refuses (the tolerant
    reader then takes over)."""
    import genai_prices  # imported late: its catalogue takes a moment to load

    if not isinstance(data.get("usage", data.get("usageMetadata")), Mapping):
        return None
    try:
        extracted = genai_prices.extract_usage(data, provider_id=provider_id, api_flavor=flavor)
    except (ValueError, TypeError, KeyError, LookupError):
        return None
    reported = extracted.usage.__dict__
    return _Found(
        input=reported.get("input_tokens"),
        output=reported.get("output_tokens"),
        cache_read=reported.get("cache_read_tokens"),
        cache_write=reported.get("cache_write_tokens"),
        reasoning=reported.get("output_reasoning_tokens"),
    )


# -- access to objects and dicts alike ---------------------------------------------------------


def _get(source: Any, *names: str) -> Any:
    """The first of ``names`` present and not None, as a key or an attribute."""
    if source is None:
        return None
    for name in names:
        value = source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)
        if value is not None:
            return value
    return None


def _has(source: Any, *names: str) -> bool:
    if source is None:
        return False
    if isinstance(source, Mapping):
        return any(name in source for name in names)
    return any(getattr(source, name, None) is not None for name in names)


def _plain(value: Any) -> Any:
    """A usage part as plain dicts (what genai-prices' extractors walk)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="python")
    if hasattr(value, "__dict__") and not isinstance(value, type):
        return {key: _plain(item) for key, item in vars(value).items() if not key.startswith("_")}
    return value


def _sum(*values: Any) -> Any:
    """The sum of the counts given; None when the first (the base count) is missing."""
    if values[0] is None:
        return None
    try:
        return sum(value for value in values if value is not None)
    except TypeError:
        return values[0]


def _module(value: Any) -> str:
    return type(value).__module__ or ""


def _type_name(value: Any) -> str:
    return type(value).__name__


def apply_usage(fields: dict[str, Any], obj: Any, *, model_key: str, provider_key: str) -> None:
    """Fill a row's token columns from a usage object (counts the caller gave win), its
    model and provider when the caller gave none, and its ``usage_problem``."""
    found = read_usage(obj)
    for column, value in found.columns().items():
        if fields.get(column) is None:
            fields[column] = value
    if not fields.get(model_key) and found.model:
        fields[model_key] = found.model
    if not fields.get(provider_key) and found.provider:
        fields[provider_key] = found.provider
    if found.problem:
        log_problem_once(found.problem)
        fields["usage_problem"] = found.problem
