"""What the scripts share: bad input reported in one line on stderr (exit 1, no traceback), readers
that say which file is bad, the output guard (outputs kept apart from the inputs, written under
temporary names of their own and renamed into place only if nothing else took their place meanwhile),
and the replacement of a marked section of a text file."""

import functools
import json
import os
import re
import secrets
import shutil
import stat
import sys
from pathlib import Path
from typing import Callable, Dict, Iterable, NoReturn, Optional, Tuple


class InputError(Exception):
    """Bad input or a path that cannot be written; the message names the file (FILE:LINE where there is one)."""


def fail(message: str) -> NoReturn:
    print(f"✘ {message}", file=sys.stderr)
    raise SystemExit(1)


def one_line(err: BaseException) -> str:
    """An exception as 'Type: first line of its message', for a one-line report."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


def os_error(err: OSError, path: object = None) -> str:
    """An OSError as 'PATH: cause' (No space left on device, Permission denied, ...); path if it names none."""
    return f"{err.filename or path or '?'}: {err.strerror or one_line(err)}"


def reports_errors(main: Callable) -> Callable:
    """main, with every InputError and OSError reported in one line (exit 1), and Ctrl+C too (exit 130)."""

    @functools.wraps(main)
    def reported(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except InputError as err:
            fail(str(err))
        except OSError as err:
            fail(os_error(err))
        except KeyboardInterrupt:
            print("✘ Interrupted: no output was replaced", file=sys.stderr)
            raise SystemExit(130)

    return reported


def read_json(path: Path, keys: Iterable[str] = ()) -> dict:
    """A JSON object from path, with each of keys ("scores.f": key f of the object under scores); else
    InputError naming the file."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as err:
        raise InputError(
            f"{path}: cannot read it ({err.strerror or one_line(err)})"
        ) from None
    # JSON, UTF-8, and numbers Python will not parse
    except (ValueError, RecursionError) as err:
        raise InputError(f"{path}: not JSON ({one_line(err)})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object, got {type(data).__name__}")
    missing = [key for key in keys if not has_key(data, key.split("."))]
    if missing:
        raise InputError(f"{path}: missing {', '.join(repr(key) for key in missing)}")
    return data


def has_key(data: object, path: list) -> bool:
    return not path or (
        isinstance(data, dict) and path[0] in data and has_key(data[path[0]], path[1:])
    )


def read_docbin(path: Path):
    """A DocBin from path; else InputError naming the file."""
    from spacy.tokens import DocBin

    try:
        return DocBin().from_disk(path)
    except OSError as err:
        raise InputError(
            f"{path}: cannot read it ({err.strerror or one_line(err)})"
        ) from None
    # spaCy raises whatever its decoders raise on a file that is no DocBin
    except Exception as err:
        raise InputError(f"{path}: not a spaCy DocBin ({one_line(err)})") from None


def resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError) as err:  # a symlink loop
        raise InputError(
            f"{path}: cannot resolve this path ({one_line(err)})"
        ) from None


def relation(path: Path, other: Path) -> Optional[str]:
    """How path stands to other once symlinks are resolved: 'is', 'is inside', 'holds', or None if apart."""
    path, other = resolved(path), resolved(other)
    if path == other:
        return "is"
    if other in path.parents:
        return "is inside"
    if path in other.parents:
        return "holds"
    return None


def check_apart(
    outputs: Iterable[Optional[Path]], inputs: Iterable[Optional[Path]] = ()
) -> None:
    """InputError unless each output is apart from every input and every other output: not it, not inside it,
    not holding it. None stands for an optional path not given."""
    outputs = [Path(p) for p in outputs if p is not None]
    inputs = [Path(p) for p in inputs if p is not None]
    for i, output in enumerate(outputs):
        for source in inputs:
            how = relation(output, source)
            if how:
                raise InputError(
                    f"{output}: {how} the input {source}; pick an output apart from the inputs"
                )
        for other in outputs[i + 1 :]:
            how = relation(output, other)
            if how:
                raise InputError(
                    f"{output}: {how} the output {other}; each output needs a place of its own"
                )


def check_output_file(dest: Path) -> None:
    """InputError if dest cannot be written as a file: it is a folder, or lies in a folder we cannot write."""
    if dest.is_dir():
        raise InputError(f"{dest}: is a folder; the output must be a file")
    parent = next((p for p in [dest.parent, *dest.parent.parents] if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(f"{parent}: is not a folder, cannot write {dest} in it")
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{parent}: cannot write in this folder")


def temporary_name(dest: Path) -> Path:
    """A hidden name beside dest, unique to this run: .NAME.PID-TOKEN.tmp."""
    return dest.with_name(f".{dest.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def remove_leftovers(dest: Path) -> None:
    """Remove the temporary files and folders of dest that runs no longer alive left behind (kill -9)."""
    pattern = re.compile(rf"\.{re.escape(dest.name)}\.(\d+)-[0-9a-f]+\.tmp")
    for path in dest.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match and not process_alive(int(match.group(1))):
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


State = Optional[Tuple[int, int, int, int, int]]


def state(path: Path) -> State:
    """What is at path (without following a symlink): its kind, identity, change time and size; None if nothing."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return (
        stat.S_IFMT(info.st_mode),
        info.st_dev,
        info.st_ino,
        info.st_mtime_ns,
        info.st_size,
    )


class Outputs:
    """The outputs of one run, guarded: apart from its inputs and each other (checked before anything is read),
    each written under a temporary name beside its own, then all renamed into place together by commit(),
    and only where nothing changed since the run began. Leaving the `with` block on an error removes what it wrote.

        with Outputs(files=[report, chart], inputs=[scores_dir]) as outputs:  # InputError if they overlap
            outputs.write(report, lambda tmp: tmp.write_text(text))
            ...
            outputs.commit()
    """

    def __init__(
        self,
        files: Iterable[Optional[Path]] = (),
        folders: Iterable[Optional[Path]] = (),
        inputs: Iterable[Optional[Path]] = (),
    ):
        files = [Path(p) for p in files if p is not None]
        folders = [Path(p) for p in folders if p is not None]
        check_apart([*files, *folders], inputs)
        for dest in files:
            check_output_file(dest)
        for dest in folders:
            if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
                raise InputError(
                    f"{dest}: exists and is not a folder; the output must be a folder"
                )
        self.found: Dict[Path, State] = {
            dest: state(dest) for dest in [*files, *folders]
        }
        self.written: Dict[Path, Path] = {}
        self.kept = False

    def __enter__(self) -> "Outputs":
        return self

    def __exit__(self, *exc_info) -> None:
        if not self.kept:
            for tmp in self.written.values():
                remove(tmp)

    def write(self, dest: Path, write: Callable[[Path], None]) -> Path:
        """Call write(tmp) with a temporary name beside dest (one of this run's outputs); return tmp.

        An OSError on the way (a full disk, a folder made read-only) becomes an InputError naming dest.
        """
        if dest not in self.found:
            raise ValueError(f"{dest} is not one of this run's outputs")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(dest)
            tmp = temporary_name(dest)
        except OSError as err:
            raise InputError(os_error(err, dest)) from None
        try:
            write(tmp)
        except BaseException as err:
            remove(tmp)
            if isinstance(err, OSError):
                cause = (
                    f"{err.filename}: "
                    if err.filename and Path(err.filename) != tmp
                    else ""
                )
                raise InputError(
                    f"{dest}: cannot write it ({cause}{err.strerror or one_line(err)})"
                ) from None
            raise
        self.written[dest] = tmp
        return tmp

    def commit(self) -> None:
        """Rename every written output into place, or none: InputError, keeping them under their temporary names,
        if anything appeared at or changed any destination since the run began."""
        changed = [dest for dest in self.written if state(dest) != self.found[dest]]
        if changed:
            self.kept = True
            kept = ", ".join(str(tmp) for tmp in self.written.values())
            raise InputError(
                f"{changed[0]}: changed while this run was writing; replaced nothing, kept the result as {kept}"
            )
        try:
            for dest, tmp in self.written.items():
                if self.found[dest] is not None and stat.S_ISDIR(self.found[dest][0]):
                    # a folder can be renamed over only when empty
                    aside = temporary_name(dest)
                    os.replace(dest, aside)
                    os.replace(tmp, dest)
                    shutil.rmtree(aside)
                else:
                    os.replace(tmp, dest)
        except OSError as err:
            raise InputError(os_error(err)) from None
        self.written.clear()


def remove(path: Path) -> None:
    """Remove a file or folder that this run made."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def write_atomically(
    dest: Path, write: Callable[[Path], None], inputs: Iterable[Optional[Path]] = ()
) -> None:
    """One output file, guarded as Outputs guards them: write(tmp), then the rename."""
    with Outputs(files=[dest], inputs=inputs) as outputs:
        outputs.write(dest, write)
        outputs.commit()


def write_text(text: str) -> Callable[[Path], None]:
    """A writer for Outputs.write: text as UTF-8."""
    return lambda tmp: tmp.write_text(text, encoding="utf8")


def write_json(data: object) -> Callable[[Path], None]:
    """A writer for Outputs.write: data as indented JSON, floats as srsly writes them (as spaCy writes a meta)."""
    import srsly

    return lambda tmp: srsly.write_json(tmp, data)


def replace_between_markers(text: str, start: str, end: str, content: str) -> str:
    """text with what lies between the first start marker and the end marker after it replaced by content, on
    lines of its own; the markers stay. InputError if text lacks them."""
    before, found_start, rest = text.partition(start)
    _, found_end, after = rest.partition(end)
    if not (found_start and found_end):
        raise InputError(f"no '{start}' ... '{end}' markers")
    return f"{before}{start}\n{content}\n{end}{after}"
