"""What the scripts share: bad input reported in one line on stderr (exit 1, no traceback), and
output files written atomically (an interrupted run leaves none behind)."""
import os
import sys
from pathlib import Path
from typing import Callable, NoReturn


class InputError(Exception):
    """Bad input; the message names the file (FILE:LINE where there is one) and the problem."""


def fail(message: str) -> NoReturn:
    print(f"✘ {message}", file=sys.stderr)
    raise SystemExit(1)


def write_atomically(dest: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp_path), then move the result to dest: an interrupted run leaves no dest."""
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
