"""``docproc eval``: predictions from the gold inputs, scored exactly like shared/eval/score.py."""
from __future__ import annotations

import json
import subprocess
import sys

from docproc.evaluate import format_table, run_eval, score
from tests.conftest import needs_shared


def _gold(tmp_path, inp: str, notice: dict, name: str = "a") -> None:
    (tmp_path / "gold").mkdir(exist_ok=True)
    (tmp_path / "gold" / f"{name}.json").write_text(json.dumps(
        {"id": name, "input": inp, "notice": notice, "tasks": [], "notes": ""}, ensure_ascii=False), encoding="utf-8")


def test_eval_on_a_small_gold_folder(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "n.txt").write_text(
        "国办发〔2019〕3号\n关于开展治理工作的通知\n各省、自治区、直辖市人民政府：\n现将有关事项通知如下。\n国务院办公厅\n2019年1月9日\n",
        encoding="utf-8")
    _gold(tmp_path, "in/n.txt", {"doc_number": "国办发[2019]3号", "title": "关于开展治理工作的通知", "doc_type": "通知",
                                 "issuers": ["国务院办公厅"], "recipients": ["各省、自治区、直辖市人民政府"],
                                 "signed_date": "2019-01-09", "attachments": [], "cc": []})
    code = run_eval(tmp_path / "gold", None, tmp_path / "pred", quiet=True)
    out = capsys.readouterr().out
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:] if line.strip()}
    for field in ("doc_number", "title", "doc_type", "signed_date", "issuers", "recipients"):
        assert rows[field][:3] == ["1.000", "1.000", "1.000"], field
    assert json.loads((tmp_path / "pred" / "a.json").read_text(encoding="utf-8"))["schema"] == "docproc.notice/1"


def test_failed_input_is_an_empty_prediction(tmp_path, capsys):
    _gold(tmp_path, "missing.txt", {"doc_number": "国办发〔2019〕3号", "issuers": ["国务院办公厅"]})
    code = run_eval(tmp_path / "gold", tmp_path, None, quiet=False)
    cap = capsys.readouterr()
    assert code == 1 and "missing.txt" in cap.err
    assert "doc_number                0.000  0.000  0.000     1" in cap.out


def test_no_gold_files(tmp_path):
    assert run_eval(tmp_path, None) == 2


@needs_shared
def test_numbers_equal_score_py(shared, tmp_path):
    """Our table equals shared/eval/score.py's on the same predictions (it is this project's own scorer)."""
    pred = tmp_path / "pred"
    run_eval(shared / "gold", shared, pred, quiet=True)
    table, per_doc = score(shared / "gold", pred)
    ref = subprocess.run([sys.executable, str(shared / "eval" / "score.py"), str(shared / "gold"), str(pred)],
                         capture_output=True, text=True, encoding="utf-8", check=True).stdout
    assert format_table(table, per_doc) + "\n" == ref
    ours = {k: v[2] for k, v in table.items() if v[2] is not None}
    for field, target in {"doc_number": .95, "signed_date": .95, "doc_type": .95, "title_soft": .90,
                          "issuers": .85, "recipients": .80}.items():
        assert ours[field] >= target, (field, ours[field])
