"""Where the benchmarks put their reports: the project's ROOT, and write_section, which replaces a benchmark's
own section of RESULTS.md (or another Markdown file) and leaves the rest as it is.

Like every benchmark module, this one imports the scripts' modules by name: a benchmark script puts
scripts/ on sys.path before its imports.
"""

from pathlib import Path

from safe_io import InputError, replace_between_markers, write_atomically, write_text

ROOT = Path(__file__).resolve().parent.parent


def write_section(path: Path, key: str, body: str) -> None:
    """Put body between key's markers in path: in place of the section there, else appended."""
    start, end = f"<!-- benchmark.py: {key} -->", f"<!-- /benchmark.py: {key} -->"
    text = path.read_text(encoding="utf8") if path.exists() else ""
    try:
        text = replace_between_markers(text, start, end, body.strip())
    except InputError:  # no section of key's yet
        text = (
            text.rstrip("\n") + "\n\n" if text.strip() else ""
        ) + f"{start}\n{body.strip()}\n{end}\n"
    write_atomically(path, write_text(text))
