"""An ``argparse`` parser that suggests the closest option for a misspelt one.

argparse says ``unrecognized arguments: --chek``; this parser adds ``did you mean '--check'?``
(closest by :func:`difflib.get_close_matches`), as it already does for ``choices``. Standard
library only, so every command of the package can use it.
"""

from __future__ import annotations

import argparse
import difflib
from typing import NoReturn

UNRECOGNIZED = "unrecognized arguments: "


def closest(word: str, candidates: list[str]) -> str | None:
    """The candidate most like ``word`` (difflib's ratio of at least 0.6), or None."""
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return found[0] if found else None


class SuggestingParser(argparse.ArgumentParser):
    """``ArgumentParser`` whose error for an unknown option names the closest known one."""

    def error(self, message: str) -> NoReturn:
        if message.startswith(UNRECOGNIZED):
            options = sorted(self._option_string_actions)
            hints = []
            for word in message[len(UNRECOGNIZED) :].split():
                if word.startswith("-"):
                    guess = closest(word.split("=", 1)[0], options)
                    if guess is not None:
                        hints.append(f"{word!r}: did you mean {guess!r}?")
            if hints:
                message += "\n  " + "\n  ".join(hints)
        super().error(message)
