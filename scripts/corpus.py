"""The sharded corpus: a split of a system is a folder of DocBins, one a language (corpus/a/train/en.spacy).

Readers take such a folder, or a single DocBin file, and stream it one file at a time in sorted order.
"""

from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from safe_io import read_docbin

SUFFIX = ".spacy"


def docbin_files(path: Path) -> List[Path]:
    """path itself if it is a file, else the DocBins in the folder (sorted; dotfiles are temporary)."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.glob(f"*{SUFFIX}") if not p.name.startswith("."))


def shard_path(corpus: Path, split: str, lang: str) -> Path:
    return corpus / split / f"{lang}{SUFFIX}"


def read_docs(path: Path, vocab: Vocab) -> Iterator[Tuple[Optional[str], Doc]]:
    """(language, doc) of every doc under path: a folder's shards are named by language, a lone file is not."""
    for file in docbin_files(path):
        lang = file.stem if file != path else None
        for doc in read_docbin(file).get_docs(vocab):
            yield lang, doc


def count_docs(path: Path) -> int:
    """Docs under path, one file in memory at a time."""
    return sum(len(read_docbin(file)) for file in docbin_files(path))


def unannotated(doc: Doc) -> Doc:
    """doc's words and spaces alone: what a pipeline tags when it is scored on doc."""
    return Doc(
        doc.vocab,
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
    )
