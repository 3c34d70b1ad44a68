"""Fetch MultiNERD's train/val/test JSONL files for one language into an assets folder.

    python scripts/fetch.py LANG ASSETS_DIR

For each split, in this order: a JSONL file already in ASSETS_DIR is left untouched; else a file of
the original TSV release in ASSETS_DIR (train_en.tsv, dev_en.tsv, test_en.tsv) is converted to the
hub's JSONL format beside it; else the file is downloaded from the Hugging Face hub.
"""
import json
import shutil
from pathlib import Path
from typing import Iterator, List

import typer
from wasabi import msg

from cli import InputError, fail, write_atomically
from multinerd import HUB_DATASET, LANGS, SPLITS, TAG_IDS, hub_filename, tsv_filename


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


def download(split: str, lang: str, dest: Path) -> None:
    from huggingface_hub import hf_hub_download

    cached = hf_hub_download(HUB_DATASET, f"{split}/{hub_filename(split, lang)}", repo_type="dataset")
    write_atomically(dest, lambda tmp: shutil.copyfile(cached, tmp))


def main(
    lang: str = typer.Argument(..., help=f"Language code: {', '.join(LANGS)}"),
    assets_dir: Path = typer.Argument(..., help="Folder for the JSONL files"),
):
    """Put MultiNERD's train/val/test JSONL files for LANG into ASSETS_DIR."""
    if lang not in LANGS:
        fail(f"Unknown language '{lang}': MultiNERD has {', '.join(LANGS)}")
    assets_dir.mkdir(parents=True, exist_ok=True)
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
            try:
                download(split, lang, dest)
            except OSError as err:  # the hub's HTTP, connection and offline errors are all OSErrors
                wanted = ", ".join(hub_filename(s, lang) for s in SPLITS)
                fail(
                    f"Could not download {split}/{hub_filename(split, lang)} from the Hugging Face "
                    f"dataset {HUB_DATASET} ({type(err).__name__}). Without hub access, put {wanted} "
                    f"(the hub's JSONL files) or {', '.join(tsv_filename(s, lang) for s in SPLITS)} "
                    f"(the original TSV release) into {assets_dir}/"
                )
            msg.good(f"Downloaded {dest}")


if __name__ == "__main__":
    typer.run(main)
