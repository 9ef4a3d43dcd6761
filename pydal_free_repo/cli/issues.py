"""`pfr` commands for the issues area (filled in by its issue)."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to ``pfr``."""
