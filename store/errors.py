"""The one exception the store raises for problems a user can act on."""

from __future__ import annotations


class StoreError(RuntimeError):
    """The database cannot be used: unreachable, unknown revision, bad argument.

    The message is one line, safe to show (passwords masked).
    """
