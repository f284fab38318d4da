"""Failures explained to the user in one line."""

from __future__ import annotations


class UserError(Exception):
    """A failure explained in one line to the user (the command line exits with status 1)."""
