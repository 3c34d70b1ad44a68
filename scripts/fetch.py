"""Fetch MultiNERD's train/val/test JSONL files for one language, or all ten (xx), into an assets folder.

    python scripts/fetch.py LANG ASSETS_DIR [--dataset Babelscape/multinerd]

For each language and split, in this order: a JSONL file already in ASSETS_DIR is left untouched; else a
file of the original TSV release in ASSETS_DIR (train_en.tsv, dev_en.tsv, test_en.tsv) is converted to the
hub's JSONL format beside it; else the file is loaded with `datasets` from DATASET: a hub dataset or a local
folder of the hub's layout (train/train_en.jsonl, ...), one file at a time, streamed to disk. A JSONL that
fetch made from a TSV is remade when that TSV changes: fetch records both files' SHA-256 in a hidden
sidecar (.train_en.jsonl.fetch.json), and never replaces a JSONL it did not make, or one edited since.
Then writes ASSETS_DIR/multinerd_LANG.json: the files and their SHA-256, what was fetched, for convert.
"""

import hashlib
import json
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import typer
from wasabi import msg

from multinerd import (
    HUB_DATASET,
    SPLITS,
    TAG_IDS,
    expand_lang,
    hub_filename,
    tsv_filename,
)
from safe_io import (
    InputError,
    Outputs,
    check_apart,
    fail,
    one_line,
    read_json,
    reports_errors,
    write_atomically,
    write_json,
)

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
                raise InputError(
                    f"{where}: not UTF-8 (byte {err.start + 1} of the line)"
                ) from None
            if not line.strip():
                if tokens:
                    yield {"tokens": tokens, "ner_tags": tags, "lang": lang}
                tokens, tags = [], []
                continue
            columns = line.split("\t")
            if len(columns) not in (2, 3):
                raise InputError(
                    f"{where}: {len(columns)} tab-separated columns, expected {FORMAT}"
                )
            if not columns[-2].strip():
                raise InputError(f"{where}: empty token")
            if columns[-1] not in TAG_IDS:
                raise InputError(
                    f"{where}: unknown tag {columns[-1][:40]!r}, not a MultiNERD tag"
                )
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
    with Outputs(files=[dest, sidecar(dest)], inputs=[source]) as outputs:
        made = outputs.write(dest, write)
        record = {
            "tsv": source.name,
            "tsv_sha256": tsv_hash,
            "jsonl_sha256": sha256(made),
        }
        outputs.write(sidecar(dest), write_json(record))
        outputs.commit()


def download(dataset: str, split: str, lang: str, dest: Path) -> None:
    """Load one split of one language with `datasets` (hub or local folder) and write it as JSONL."""
    from datasets import load_dataset

    data_file = f"{split}/{hub_filename(split, lang)}"
    records = load_dataset(dataset, data_files={split: data_file}, split=split)
    write_atomically(
        dest, lambda tmp: records.to_json(tmp, lines=True, force_ascii=False)
    )


def fetch_split(split: str, lang: str, assets_dir: Path, dataset: str) -> None:
    """Put one split's JSONL into assets_dir: from its TSV, from the dataset, or leave the one there."""
    dest = assets_dir / hub_filename(split, lang)
    tsv = assets_dir / tsv_filename(split, lang)
    if dest.exists() and not dest.is_file():
        raise InputError(f"{dest}: is not a file")
    record = made_from(dest)
    if (
        record is not None
        and tsv.is_file()
        and record["tsv"] == tsv.name
        and record["tsv_sha256"] != sha256(tsv)
    ):
        tsv_to_jsonl(tsv, dest, lang)
        msg.good(f"{tsv} changed: remade {dest}")
    elif dest.exists():
        msg.info(f"{dest} exists: leaving it untouched")
    elif tsv.exists():
        tsv_to_jsonl(tsv, dest, lang)
        msg.good(f"Converted {tsv} to {dest}")
    else:
        from datasets.exceptions import DatasetGenerationError

        try:
            download(dataset, split, lang, dest)
        # a file that is there but not the hub's JSONL
        except DatasetGenerationError as err:
            raise InputError(
                f"{dataset}: {split}/{hub_filename(split, lang)} is not MultiNERD JSONL ({one_line(err.__cause__ or err)})"
            ) from None
        except OSError as err:  # datasets' hub, connection, offline and missing-file errors are OSErrors
            wanted = ", ".join(hub_filename(s, lang) for s in SPLITS)
            raise InputError(
                f"Could not load {split}/{hub_filename(split, lang)} from the dataset {dataset} "
                f"({type(err).__name__}). Without hub access, put {wanted} (the hub's JSONL files) or "
                f"{', '.join(tsv_filename(s, lang) for s in SPLITS)} (the original TSV release) into {assets_dir}/"
            ) from None
        msg.good(f"Loaded {dest} from {dataset}")


@reports_errors
def main(
    lang: str = typer.Argument(
        ..., help="Language code (de en es fr it nl pl pt ru zh), or xx: all ten"
    ),
    assets_dir: Path = typer.Argument(..., help="Folder for the JSONL files"),
    dataset: str = typer.Option(
        HUB_DATASET, "--dataset", help="Hub dataset, or a local folder of its layout"
    ),
):
    """Put MultiNERD's train/val/test JSONL files for LANG into ASSETS_DIR, and list them with their checksums."""
    try:
        langs = expand_lang(lang)
    except ValueError as err:
        fail(str(err))
    names = [hub_filename(split, each) for each in langs for split in SPLITS]
    manifest = assets_dir / f"multinerd_{lang}.json"
    # a local folder of the hub's layout: nothing fetch writes may go into it
    if Path(dataset).exists():
        written = [
            manifest,
            *(assets_dir / name for name in names),
            *(sidecar(assets_dir / name) for name in names),
        ]
        check_apart(written, [Path(dataset)])
    try:
        assets_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        fail(f"{assets_dir}: cannot make this folder ({err.strerror or one_line(err)})")
    for each in langs:
        for split in SPLITS:
            fetch_split(split, each, assets_dir, dataset)
    files: Dict[str, str] = {name: sha256(assets_dir / name) for name in names}
    write_atomically(manifest, write_json({"files": files}))
    msg.good(f"Wrote {manifest}: {len(files)} files and their SHA-256")


if __name__ == "__main__":
    typer.run(main)
