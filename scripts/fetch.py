"""Fetch MultiNERD's train/val/test JSONL files for one language into an assets folder.

    python scripts/fetch.py LANG ASSETS_DIR

For each split, in this order: a JSONL file already in ASSETS_DIR is left untouched; else a file of
the original TSV release in ASSETS_DIR (train_en.tsv, dev_en.tsv, test_en.tsv) is converted to the
hub's JSONL format beside it; else the file is downloaded from the Hugging Face hub. A JSONL that
fetch made from a TSV is remade when that TSV changes: fetch records both files' SHA-256 in a hidden
sidecar (.train_en.jsonl.fetch.json), and never replaces a JSONL it did not make, or one edited since.
"""
import hashlib
import json
import shutil
from pathlib import Path
from typing import Iterator, List, Optional

import typer
from wasabi import msg

from cli import InputError, fail, one_line, read_json, write_atomically
from multinerd import HUB_DATASET, LANGS, SPLITS, TAG_IDS, hub_filename, tsv_filename

FORMAT = "'INDEX<TAB>TOKEN<TAB>TAG' or 'TOKEN<TAB>TAG'"


def read_tsv(path: Path, lang: str) -> Iterator[dict]:
    """Yield hub-format records from an original-release TSV file; InputError at its first bad line.

    One token a line as 'INDEX<TAB>TOKEN<TAB>TAG' (or 'TOKEN<TAB>TAG'), a blank line between sentences.
    """
    tokens: List[str] = []
    tags: List[int] = []
    with path.open("rb") as file:
        for line_no, raw in enumerate(file, start=1):
            where = f"{path}:{line_no}"
            try:
                line = raw.decode("utf8").rstrip("\r\n")
            except UnicodeDecodeError as err:
                raise InputError(f"{where}: not UTF-8 (byte {err.start + 1} of the line)") from None
            if not line.strip():
                if tokens:
                    yield {"tokens": tokens, "ner_tags": tags, "lang": lang}
                tokens, tags = [], []
                continue
            columns = line.split("\t")
            if len(columns) not in (2, 3):
                raise InputError(f"{where}: {len(columns)} tab-separated columns, expected {FORMAT}")
            if not columns[-2].strip():
                raise InputError(f"{where}: empty token")
            if columns[-1] not in TAG_IDS:
                raise InputError(f"{where}: unknown tag {columns[-1][:40]!r}, not a MultiNERD tag")
            tokens.append(columns[-2])
            tags.append(TAG_IDS[columns[-1]])
    if tokens:
        yield {"tokens": tokens, "ner_tags": tags, "lang": lang}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sidecar(dest: Path) -> Path:
    """Where fetch records the TSV a JSONL was made from."""
    return dest.with_name(f".{dest.name}.fetch.json")


def made_from(dest: Path) -> Optional[dict]:
    """The sidecar's record {tsv, tsv_sha256, jsonl_sha256} if fetch made dest from a TSV and dest is unchanged."""
    if not sidecar(dest).is_file() or not dest.is_file():
        return None
    try:
        record = read_json(sidecar(dest), ("tsv", "tsv_sha256", "jsonl_sha256"))
    except InputError:
        return None
    return record if record["jsonl_sha256"] == sha256(dest) else None


def tsv_to_jsonl(source: Path, dest: Path, lang: str) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf8") as out:
            for record in read_tsv(source, lang):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

    tsv_hash = sha256(source)
    write_atomically(dest, write)
    record = {"tsv": source.name, "tsv_sha256": tsv_hash, "jsonl_sha256": sha256(dest)}
    write_atomically(sidecar(dest), lambda tmp: tmp.write_text(json.dumps(record) + "\n"))


def download(split: str, lang: str, dest: Path) -> None:
    from huggingface_hub import hf_hub_download

    cached = hf_hub_download(HUB_DATASET, f"{split}/{hub_filename(split, lang)}", repo_type="dataset")
    write_atomically(dest, lambda tmp: shutil.copyfile(cached, tmp))


def fetch_split(split: str, lang: str, assets_dir: Path) -> None:
    """Put one split's JSONL into assets_dir: from its TSV, from the hub, or leave the one there."""
    dest = assets_dir / hub_filename(split, lang)
    tsv = assets_dir / tsv_filename(split, lang)
    if dest.exists() and not dest.is_file():
        raise InputError(f"{dest}: is not a file")
    record = made_from(dest)
    if record is not None and tsv.is_file() and record["tsv"] == tsv.name and record["tsv_sha256"] != sha256(tsv):
        tsv_to_jsonl(tsv, dest, lang)
        msg.good(f"{tsv} changed: remade {dest}")
    elif dest.exists():
        msg.info(f"{dest} exists: leaving it untouched")
    elif tsv.exists():
        tsv_to_jsonl(tsv, dest, lang)
        msg.good(f"Converted {tsv} to {dest}")
    else:
        try:
            download(split, lang, dest)
        except OSError as err:  # the hub's HTTP, connection and offline errors are all OSErrors
            wanted = ", ".join(hub_filename(s, lang) for s in SPLITS)
            raise InputError(
                f"Could not download {split}/{hub_filename(split, lang)} from the Hugging Face "
                f"dataset {HUB_DATASET} ({type(err).__name__}). Without hub access, put {wanted} "
                f"(the hub's JSONL files) or {', '.join(tsv_filename(s, lang) for s in SPLITS)} "
                f"(the original TSV release) into {assets_dir}/"
            ) from None
        msg.good(f"Downloaded {dest}")


def main(
    lang: str = typer.Argument(..., help=f"Language code: {', '.join(LANGS)}"),
    assets_dir: Path = typer.Argument(..., help="Folder for the JSONL files"),
):
    """Put MultiNERD's train/val/test JSONL files for LANG into ASSETS_DIR."""
    if lang not in LANGS:
        fail(f"Unknown language '{lang}': MultiNERD has {', '.join(LANGS)}")
    try:
        assets_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        fail(f"{assets_dir}: cannot make this folder ({err.strerror or one_line(err)})")
    try:
        for split in SPLITS:
            fetch_split(split, lang, assets_dir)
    except InputError as err:
        fail(str(err))
    except OSError as err:  # a TSV or JSONL that cannot be read
        fail(f"{err.filename or assets_dir}: cannot read it ({err.strerror or one_line(err)})")


if __name__ == "__main__":
    typer.run(main)
