import hashlib
import json

from helpers import run_script
from multinerd import LANGS, TAG_IDS

FILES = ["train_en.jsonl", "val_en.jsonl", "test_en.jsonl"]


def fetch(*args, tmp_path):
    """fetch.py offline, with a datasets cache of the test's own."""
    return run_script(
        "fetch.py", *args, env={"HF_DATASETS_CACHE": str(tmp_path / "hf_cache")}
    )


def test_existing_files_are_left_untouched_offline(tmp_path):
    for name in FILES:
        (tmp_path / name).write_text(f'{{"tokens": ["{name}"], "ner_tags": [0]}}\n')
    before = {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()
    }
    result = fetch("en", tmp_path, tmp_path=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.iterdir()}
    manifest = json.loads(after.pop("multinerd_en.json")[0])
    assert after == before
    assert manifest["files"] == {
        name: hashlib.sha256(before[name][0]).hexdigest() for name in FILES
    }


def test_offline_without_files_says_what_to_put_where(tmp_path):
    result = fetch("en", tmp_path / "assets", tmp_path=tmp_path)
    assert result.returncode == 1
    out = result.stderr.strip()
    assert "\n" not in out
    assert all(name in out for name in FILES) and f"{tmp_path / 'assets'}/" in out
    assert "Traceback" not in result.stderr
    assert list((tmp_path / "assets").iterdir()) == []


def test_original_tsv_release_is_converted_to_hub_jsonl(tmp_path):
    sentences = "0\tBarack\tB-PER\n1\tObama\tI-PER\n2\tslept\tO\n\n0\tRome\tB-LOC\n"
    for name in ("train_en.tsv", "dev_en.tsv", "test_en.tsv"):
        (tmp_path / name).write_text(sentences)
    result = run_script("fetch.py", "en", tmp_path)
    assert result.returncode == 0, result.stderr
    for name in FILES:
        lines = [
            json.loads(line) for line in (tmp_path / name).read_text().splitlines()
        ]
        assert lines == [
            {
                "tokens": ["Barack", "Obama", "slept"],
                "ner_tags": [TAG_IDS["B-PER"], TAG_IDS["I-PER"], 0],
                "lang": "en",
            },
            {"tokens": ["Rome"], "ner_tags": [TAG_IDS["B-LOC"]], "lang": "en"},
        ]


def test_bad_tsv_names_file_and_line(tmp_path):
    (tmp_path / "train_en.tsv").write_text("0\tBarack\tB-PER\n1\tObama\tB-PERSON\n")
    result = run_script("fetch.py", "en", tmp_path)
    assert result.returncode == 1
    assert f"{tmp_path / 'train_en.tsv'}:2:" in result.stderr
    assert not (tmp_path / "train_en.jsonl").exists()


def test_unknown_language(tmp_path):
    result = run_script("fetch.py", "yy", tmp_path)
    assert result.returncode == 1 and "Unknown language 'yy'" in result.stderr


def test_xx_loads_every_language_from_a_local_dataset_of_the_hubs_layout(tmp_path):
    # A local copy of the hub's layout (SPLIT/SPLIT_LANG.jsonl) with one sentence a file, its language in it;
    # assets/ already holds German's train file, which must stay as it is.
    hub = tmp_path / "multinerd"
    records = {}
    for lang in LANGS:
        for split in ("train", "val", "test"):
            record = {
                "tokens": [f"{split}-{lang}", "北京"],
                "ner_tags": [0, TAG_IDS["B-LOC"]],
                "lang": lang,
            }
            records[f"{split}_{lang}.jsonl"] = record
            (hub / split).mkdir(parents=True, exist_ok=True)
            (hub / split / f"{split}_{lang}.jsonl").write_text(
                json.dumps(record, ensure_ascii=False) + "\n"
            )
    assets = tmp_path / "assets"
    assets.mkdir()
    (assets / "train_de.jsonl").write_text(
        '{"tokens": ["mine"], "ner_tags": [0], "lang": "de"}\n'
    )
    result = fetch("xx", assets, "--dataset", hub, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    for name, record in records.items():
        lines = [
            json.loads(line)
            for line in (assets / name).read_text(encoding="utf8").splitlines()
        ]
        assert lines == (
            [{"tokens": ["mine"], "ner_tags": [0], "lang": "de"}]
            if name == "train_de.jsonl"
            else [record]
        )
    manifest = json.loads((assets / "multinerd_xx.json").read_text())
    assert manifest["files"] == {
        name: hashlib.sha256((assets / name).read_bytes()).hexdigest()
        for name in records
    }


def test_malformed_file_of_a_local_dataset_is_one_line(tmp_path):
    (tmp_path / "multinerd" / "train").mkdir(parents=True)
    (tmp_path / "multinerd" / "train" / "train_de.jsonl").write_text('{"tokens": [\n')
    result = fetch(
        "de",
        tmp_path / "assets",
        "--dataset",
        tmp_path / "multinerd",
        tmp_path=tmp_path,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(
            f"✘ {tmp_path / 'multinerd'}: train/train_de.jsonl is not MultiNERD JSONL"
        )
    )
    assert list((tmp_path / "assets").iterdir()) == []
