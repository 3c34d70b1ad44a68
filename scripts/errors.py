"""Bad input reported the way every script here reports it: one line on stderr, exit 1, no traceback."""
import sys
from typing import NoReturn


class InputError(Exception):
    """Bad input; the message names the file (FILE:LINE where there is one) and the problem."""


def fail(message: str) -> NoReturn:
    print(f"✘ {message}", file=sys.stderr)
    raise SystemExit(1)
