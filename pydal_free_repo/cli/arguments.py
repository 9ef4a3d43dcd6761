"""Argument types: a bad value is a usage error (exit 2, one line naming the option),
checked by argparse before anything connects, like an unknown option."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from pydal_free_repo.issues import demo

INT4_MAX = 2**31 - 1
DEMO_MAX_DAYS = demo.MAX_DAYS


def whole_number(minimum: int = 0, maximum: int = INT4_MAX) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``minimum`` to ``maximum``."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
        if not minimum <= number <= maximum:
            raise argparse.ArgumentTypeError(
                f"must be from {minimum} to {maximum}, not {number}"
                if maximum < INT4_MAX
                else f"must be {minimum} or more, not {number}"
            )
        return number

    parse.__name__ = "whole number"  # argparse names the type in some messages
    return parse


POSITIVE = whole_number(1)
NON_NEGATIVE = whole_number(0)
ROW_ID = whole_number(1, 2**63 - 1)
