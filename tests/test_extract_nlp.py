"""The spaCy pipeline: built from models/docproc_zh/config.cfg, registered factories, SpanRuler labels, disk IO."""
from __future__ import annotations

import spacy

from docproc.extract.nlp import build_pipeline, load_pipeline, run_pipeline
from docproc.extract.units import models_dir

TEXT = ("山东省核应急委员会办公室文件鲁核应急办[2021]14号关于召开专家会议的通知省核应急委各成员单位:"
        "请各单位于3月5日12:00前将回执报我办。联系人:XXX，电话:0531-5576XXXX附件:1.专家委员会名单2.参会回执"
        "山东省核应急委员会办公室2021年3月3日山东省核应急委员会办公室2021年3月3日印发")


def test_pipeline_is_config_driven_and_cached():
    nlp = load_pipeline()
    assert nlp is load_pipeline()
    assert nlp.lang == "zh" and nlp.config["nlp"]["tokenizer"]["segmenter"] == "char"
    assert nlp.pipe_names == ["docproc_labels", "docproc_docnos", "docproc_notice", "docproc_times", "docproc_tasks"]
    assert (models_dir() / "docproc_zh" / "config.cfg").is_file()


def test_components_fill_the_doc():
    nlp = load_pipeline()
    doc = nlp.make_doc(TEXT)
    doc._.meta = {}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    assert [sp.text for sp in doc.spans["doc_number"]] == ["鲁核应急办[2021]14号"]
    assert {sp.label_ for sp in doc.spans["labels"]} >= {"ATTACH", "CONTACT"}
    n = doc._.notice
    assert (n.doc_number, n.signed_date, n.attachments) == ("鲁核应急办〔2021〕14号", "2021-03-03", ["专家委员会名单", "参会回执"])
    assert n.issuers == ["山东省核应急委员会办公室"] and n.print_date == "2021-03-03"


def test_run_pipeline_returns_notice_and_tasks():
    notice, tasks = run_pipeline(TEXT, {})
    assert notice.title == "关于召开专家会议的通知" and isinstance(tasks, list)


def test_to_disk_and_back(tmp_path):
    """The pipeline saves with its word lists and loads back from disk without the models/ folder's help."""
    nlp = build_pipeline()
    nlp.to_disk(tmp_path / "pipe")
    assert (tmp_path / "pipe" / "docproc_notice" / "patterns" / "org_suffixes.txt").is_file()
    nlp2 = spacy.load(tmp_path / "pipe")
    assert nlp2.get_pipe("docproc_notice").lexicon.directory == tmp_path / "pipe" / "docproc_notice" / "patterns"
    doc = nlp2.make_doc(TEXT)
    doc._.meta = {}
    for name, proc in nlp2.pipeline:
        if name in ("docproc_times", "docproc_tasks"):
            continue
        doc = proc(doc)
    assert doc._.notice.doc_number == "鲁核应急办〔2021〕14号"
    n_patterns = sum(1 for line in (models_dir() / "patterns" / "notice_spans.jsonl").open(encoding="utf-8") if line.strip())
    assert len(nlp2.get_pipe("docproc_labels").patterns) == n_patterns
    assert {sp.label_ for sp in doc.spans["labels"]} >= {"ATTACH", "CONTACT"}


def test_linear_make_doc_matches_spacy():
    """run_pipeline's tokeniser gives exactly spaCy's char-segmenter tokens and whitespace, and doc.text."""
    from docproc.extract.nlp import make_doc

    nlp = load_pipeline()
    for t in (TEXT, " 国 务  院\n\n办公厅 \u3000通知 ", "  \n", "附件：1.名单\r\n  抄送：市作风办 ", ""):
        a, b = nlp.make_doc(t), make_doc(nlp, t)
        assert [(x.text, x.whitespace_) for x in a] == [(x.text, x.whitespace_) for x in b]
        assert b.text == t


def test_components_read_the_cached_text():
    from docproc.extract.nlp import _TEXT_KEY, doc_text

    nlp = load_pipeline()
    doc = nlp.make_doc("国办发〔2019〕3号")
    assert doc_text(doc) == doc.text and doc.user_data[_TEXT_KEY] == doc.text
