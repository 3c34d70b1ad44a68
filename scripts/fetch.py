"""Fetch MultiNERD's train/val/test JSONL files for one language, or all ten (xx), into an assets folder.

    python scripts/fetch.py LANG ASSETS_DIR [--dataset Babelscape/multinerd]

For each language and split, in this order: a JSONL file already in ASSETS_DIR is left untouched; else a
file of the original TSV release in ASSETS_DIR (train_en.tsv, dev_en.tsv, test_en.tsv) is converted to the
hub's JSONL format beside it; else the file is loaded with `datasets` from DATASET: a hub dataset or a local
folder of the hub's layout (train/train_en.jsonl, ...). One file at a time, streamed to disk. Then writes
ASSETS_DIR/multinerd_LANG.json: the files and their SHA-256, what was fetched, for the convert step.
"""
import hashlib
import json
from pathlib import Path
from typing import Dict, Iterator, List

import typer
from wasabi import msg

from cli import InputError, fail, write_atomically
from multinerd import HUB_DATASET, SPLITS, TAG_IDS, expand_lang, hub_filename, tsv_filename


def read_tsv(path: Path, lang: str) -> Iterator[dict]:
    """Yield hub-format records from an original-release TSV file.

    One token a line as 'INDEX<TAB>TOKEN<TAB>TAG' (or 'TOKEN<TAB>TAG'), a blank line between sentences.
    """
    tokens: List[str] = []
    tags: List[int] = []
    with path.open(encoding="utf8") as file:
        for line_no, line in enumerate(file, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                if tokens:
                    yield {"tokens": tokens, "ner_tags": tags, "lang": lang}
                tokens, tags = [], []
                continue
            columns = line.split("\t")
            if len(columns) not in (2, 3) or columns[-1] not in TAG_IDS:
                raise InputError(f"{path}:{line_no}: expected 'INDEX<TAB>TOKEN<TAB>TAG' with a MultiNERD tag")
            tokens.append(columns[-2])
            tags.append(TAG_IDS[columns[-1]])
    if tokens:
        yield {"tokens": tokens, "ner_tags": tags, "lang": lang}


def tsv_to_jsonl(source: Path, dest: Path, lang: str) -> None:
    def write(tmp: Path) -> None:
        with tmp.open("w", encoding="utf8") as out:
            for record in read_tsv(source, lang):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

    write_atomically(dest, write)


def download(dataset: str, split: str, lang: str, dest: Path) -> None:
    """Load one split of one language with `datasets` (hub or local folder) and write it as JSONL."""
    from datasets import load_dataset

    data_file = f"{split}/{hub_filename(split, lang)}"
    records = load_dataset(dataset, data_files={split: data_file}, split=split)
    write_atomically(dest, lambda tmp: records.to_json(tmp, lines=True, force_ascii=False))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(lang: str, assets_dir: Path, dataset: str) -> None:
    """Put the split's JSONL file of lang into assets_dir: kept, converted from TSV or loaded."""
    for split in SPLITS:
        dest = assets_dir / hub_filename(split, lang)
        tsv = assets_dir / tsv_filename(split, lang)
        if dest.exists():
            msg.info(f"{dest} exists: leaving it untouched")
        elif tsv.exists():
            try:
                tsv_to_jsonl(tsv, dest, lang)
            except InputError as err:
                fail(str(err))
            msg.good(f"Converted {tsv} to {dest}")
        else:
            from datasets.exceptions import DatasetGenerationError

            try:
                download(dataset, split, lang, dest)
            except DatasetGenerationError as err:  # a file that is there but not the hub's JSONL
                fail(f"{dataset}: {split}/{hub_filename(split, lang)} is not MultiNERD JSONL ({err.__cause__ or err})")
            except OSError as err:  # datasets' hub, connection, offline and missing-file errors are OSErrors
                wanted = ", ".join(hub_filename(s, lang) for s in SPLITS)
                fail(
                    f"Could not load {split}/{hub_filename(split, lang)} from the dataset {dataset} "
                    f"({type(err).__name__}). Without hub access, put {wanted} (the hub's JSONL files) or "
                    f"{', '.join(tsv_filename(s, lang) for s in SPLITS)} (the original TSV release) into {assets_dir}/"
                )
            msg.good(f"Loaded {dest} from {dataset}")


def main(
    lang: str = typer.Argument(..., help="Language code (de en es fr it nl pl pt ru zh), or xx: all ten"),
    assets_dir: Path = typer.Argument(..., help="Folder for the JSONL files"),
    dataset: str = typer.Option(HUB_DATASET, "--dataset", help="Hub dataset, or a local folder of its layout"),
):
    """Put MultiNERD's train/val/test JSONL files for LANG into ASSETS_DIR, and list them with their checksums."""
    try:
        langs = expand_lang(lang)
    except ValueError as err:
        fail(str(err))
    assets_dir.mkdir(parents=True, exist_ok=True)
    for each in langs:
        fetch(each, assets_dir, dataset)
    names = [hub_filename(split, each) for each in langs for split in SPLITS]
    files: Dict[str, str] = {name: sha256(assets_dir / name) for name in names}
    manifest = assets_dir / f"multinerd_{lang}.json"
    write_atomically(manifest, lambda tmp: tmp.write_text(json.dumps({"files": files}, indent=2) + "\n"))
    msg.good(f"Wrote {manifest}: {len(files)} files and their SHA-256")


if __name__ == "__main__":
    typer.run(main)
