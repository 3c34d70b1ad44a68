"""What the scripts share: bad input reported in one line on stderr (exit 1, no traceback), readers
that say which file is bad, and outputs written atomically under temporary names of their own."""
import json
import os
import secrets
import shutil
import sys
from pathlib import Path
from typing import Callable, Iterable, NoReturn


class InputError(Exception):
    """Bad input; the message names the file (FILE:LINE where there is one) and the problem."""


def fail(message: str) -> NoReturn:
    print(f"✘ {message}", file=sys.stderr)
    raise SystemExit(1)


def one_line(err: BaseException) -> str:
    """An exception as 'Type: first line of its message', for a one-line report."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def read_json(path: Path, keys: Iterable[str] = ()) -> dict:
    """A JSON object from path, with each of keys ("scores.f": key f of the object under scores); else
    InputError naming the file."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as err:
        raise InputError(f"{path}: cannot read it ({err.strerror or one_line(err)})") from None
    except (ValueError, RecursionError) as err:  # JSON, UTF-8, and numbers Python will not parse
        raise InputError(f"{path}: not JSON ({one_line(err)})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(data).__name__}")
    missing = [key for key in keys if not has_key(data, key.split("."))]
    if missing:
        raise InputError(f"{path}: missing {', '.join(repr(key) for key in missing)}")
    return data


def has_key(data: object, path: list) -> bool:
    return not path or (isinstance(data, dict) and path[0] in data and has_key(data[path[0]], path[1:]))


def read_docbin(path: Path):
    """A DocBin from path; else InputError naming the file."""
    from spacy.tokens import DocBin

    try:
        return DocBin().from_disk(path)
    except OSError as err:
        raise InputError(f"{path}: cannot read it ({err.strerror or one_line(err)})") from None
    except Exception as err:  # spaCy raises whatever its decoders raise on a file that is no DocBin
        raise InputError(f"{path}: not a spaCy DocBin ({one_line(err)})") from None


def temporary_name(dest: Path) -> Path:
    """A hidden name beside dest, unique to this run: .NAME.PID-TOKEN.tmp."""
    return dest.with_name(f".{dest.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def remove_leftovers(dest: Path) -> None:
    """Remove the temporary files and folders of dest that runs no longer alive left behind (kill -9)."""
    for path in dest.parent.glob(f".{dest.name}.*-*.tmp"):
        pid = path.name[len(dest.name) + 2 :].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def check_output_file(dest: Path, *inputs: Path) -> None:
    """InputError if dest cannot be written as a file: it is an input, a folder, or in a folder we cannot write."""
    for source in inputs:
        if dest.resolve() == source.resolve():
            raise InputError(f"{dest}: is also an input; pick another output")
    if dest.is_dir():
        raise InputError(f"{dest}: is a folder; the output must be a file")
    parent = next((p for p in [dest.parent, *dest.parent.parents] if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(f"{parent}: is not a folder, cannot write {dest} in it")
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{parent}: cannot write in this folder")


def writable_output(dest: Path, *inputs: Path) -> Path:
    """dest, or fail() in one line if it cannot be written as a file (see check_output_file)."""
    try:
        check_output_file(dest, *inputs)
    except InputError as err:
        fail(str(err))
    return dest


def write_atomically(dest: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp_path), then move the result to dest: an interrupted run leaves no dest.

    OSErrors (a full disk, a folder made read-only meanwhile) become an InputError naming dest.
    """
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(dest)
        tmp = temporary_name(dest)
    except OSError as err:
        raise InputError(f"{dest}: cannot write it ({err.strerror or one_line(err)})") from None
    try:
        write(tmp)
        os.replace(tmp, dest)
    except OSError as err:
        raise InputError(f"{dest}: cannot write it ({err.strerror or one_line(err)})") from None
    finally:
        tmp.unlink(missing_ok=True)
