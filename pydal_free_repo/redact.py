"""Keep passwords out of logs, errors and printed connection strings."""

from __future__ import annotations

import re

MASK = "****"

# Malformed connection strings are masked too, erring on the side of masking more:
# - key=value: the password runs to the next `key=` (or the end of the line), so an
#   unquoted `password=pa ss` is masked whole (an already masked `****` is left as is,
#   so masking twice does not swallow the rest of a message);
# - URI: the password runs from `scheme://user:` to the LAST `@` on the line, so an
#   unencoded space, `@` or `/` in it (`postgresql://u:p@s/s@host/db`) leaks nothing.
_KEYWORD_PASSWORD = re.compile(
    r"(password\s*=\s*)('(?:[^'\\\n]|\\.)*'|\*{4}(?=[\s),;:]|$)"
    r"|[^\n]*?(?=\s+[A-Za-z_]\w*\s*=|\n|$))",
    re.IGNORECASE,
)
_URI_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)([^\n]*)(@)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"([?&]password=)([^&\s]*)", re.IGNORECASE)


def redact_dsn(dsn: str) -> str:
    """Return ``dsn`` with its password replaced by ``****`` (URI or key=value form)."""
    return redact_text(dsn)


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask every password-looking part of free text, and every given secret verbatim."""
    text = _URI_PASSWORD.sub(
        lambda m: m.group(1) + MASK + m.group(3) if m.group(2) else m.group(0), text
    )
    text = _KEYWORD_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    text = _QUERY_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text
