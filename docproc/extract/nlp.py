"""The extraction pipeline: ``spacy.blank("zh")`` (char segmenter) plus docproc's registered components.

The pipeline is built from ``models/docproc_zh/config.cfg`` (no network, no model download) and loaded once
per process (:func:`load_pipeline`).  Components, in order:

  docproc_labels  – a SpanRuler: field labels 附件：/抄送：/联系人… (models/patterns/notice_spans.jsonl)
                                                 → ``doc.spans["labels"]``
  docproc_docnos  – document-number candidates  → ``doc.spans["doc_number"]``, ``doc._.doc_numbers``
  docproc_notice  – notice fields               → ``doc._.notice`` (word lists: models/patterns/*.txt)
  docproc_times   – time expressions (doc numbers masked, years resolved against the signing date)
                                                 → ``doc.spans["time"]``, ``doc._.times``
  docproc_tasks   – the task list               → ``doc._.tasks``

``docproc_notice`` keeps its word lists with it: ``nlp.to_disk(path)`` writes them under
``path/docproc_notice/patterns`` and ``spacy.load(path)`` reads them back from there.

>>> notice, tasks = run_pipeline("国务院办公厅关于开展治理工作的通知\\n国办发〔2019〕3号\\n各省、自治区、直辖市人民政府：\\n"
...                              "现将有关事项通知如下。\\n附件：1.名单\\n国务院办公厅\\n2019年1月9日")
>>> notice.doc_number, notice.title, notice.signed_date, notice.attachments
('国办发〔2019〕3号', '国务院办公厅关于开展治理工作的通知', '2019-01-09', ['名单'])
>>> [n for n, _ in load_pipeline().pipeline][:3]
['docproc_labels', 'docproc_docnos', 'docproc_notice']
"""
from __future__ import annotations

import re
import shutil
from datetime import date
from functools import lru_cache
from pathlib import Path

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import load_config

from ..errors import DocprocError
from .units import Lexicon, lexicon, models_dir

for _ext in ("notice", "times", "tasks", "doc_numbers", "meta"):
    if not Doc.has_extension(_ext):
        Doc.set_extension(_ext, default=None)

CONFIG = "docproc_zh/config.cfg"


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per Doc: spaCy rebuilds it from every (one-character) token on each access,
    which cost more than the notice component itself."""
    t = doc.user_data.get(_TEXT_KEY)
    if t is None:
        t = doc.user_data[_TEXT_KEY] = doc.text
    return t


_TEXT_KEY = "docproc_text"
_CHAR_TOKENS = re.compile(r"\s+|\S")


def make_doc(nlp: Language, text: str) -> Doc:
    """``nlp.make_doc(text)`` for the char segmenter, in linear time (spaCy aligns the characters with
    ``get_words_and_spaces``, which re-slices the text for every character): one token per non-space character,
    a single space after a character becomes its trailing whitespace, any other whitespace run a token.

    >>> nlp = load_pipeline()
    >>> t = " 国 务  院\\n\\n办公厅 \\u3000通知 "
    >>> [(x.text, x.whitespace_) for x in make_doc(nlp, t)] == [(x.text, x.whitespace_) for x in nlp.make_doc(t)]
    True
    """
    if str(getattr(nlp.tokenizer, "segmenter", "")) not in ("char", "Segmenter.char"):
        return nlp.make_doc(text)
    words: list[str] = []
    spaces: list[bool] = []
    for g in _CHAR_TOKENS.findall(text):
        if not g[0].isspace():
            words.append(g)
            spaces.append(False)
        elif words and g[0] == " ":
            spaces[-1] = True
            if len(g) > 1:
                words.append(g[1:])
                spaces.append(False)
        else:
            words.append(g)
            spaces.append(False)
    return Doc(nlp.vocab, words=words, spaces=spaces)


def _set_spans(doc: Doc, key: str, spans, label: str) -> None:
    out = []
    for s, e in spans:
        sp = doc.char_span(s, e, label=label, alignment_mode="expand")
        if sp is not None:
            out.append(sp)
    doc.spans[key] = out


@Language.factory("docproc_docnos")
def make_docnos(nlp, name):
    from .docno import find_doc_numbers

    def component(doc: Doc) -> Doc:
        found = find_doc_numbers(doc_text(doc))
        doc._.doc_numbers = found
        _set_spans(doc, "doc_number", [d.span for d in found], "DOC_NUMBER")
        return doc

    return component


class NoticeComponent:
    """Reads the notice fields; carries its word lists (a :class:`Lexicon`) for to_disk/from_disk."""

    def __init__(self, nlp: Language, name: str, patterns_dir: str):
        self.name = name
        p = Path(patterns_dir)
        self.lexicon: Lexicon = lexicon(str(p if p.is_absolute() else models_dir() / p))

    def __call__(self, doc: Doc) -> Doc:
        from .notice import extract_notice

        labels = [(sp.label_, sp.start_char, sp.end_char) for sp in doc.spans.get("labels", [])] \
            if "labels" in doc.spans else None
        doc._.notice = extract_notice(doc_text(doc), doc._.meta or {}, doc._.doc_numbers, labels, self.lexicon)
        return doc

    def to_disk(self, path, exclude=tuple()):
        out = Path(path) / "patterns"
        out.mkdir(parents=True, exist_ok=True)
        for f in self.lexicon.directory.iterdir():
            if f.is_file():
                shutil.copy2(f, out / f.name)

    def from_disk(self, path, exclude=tuple()):
        d = Path(path) / "patterns"
        if d.is_dir():
            self.lexicon = Lexicon.load(d)
        return self


@Language.factory("docproc_notice", default_config={"patterns_dir": "patterns"})
def make_notice(nlp, name, patterns_dir: str):
    return NoticeComponent(nlp, name, patterns_dir)


def reference_date(text: str, notice) -> tuple[date | None, int | None]:
    """What years missing from ``6月20日前`` resolve against: ``(ref, fallback_year)``.

    The signing date; else the last stand-alone date line (a signature the notice extractor did not take);
    else only a year — of the page's publish date, of the notice's own number, or of the latest number it cites.
    """
    from ..tasks import _guess_signed
    from .dates import cited_year

    for value in (getattr(notice, "signed_date", None),):
        if value:
            try:
                return date.fromisoformat(value), None
            except ValueError:
                pass
    guessed = _guess_signed(text)
    if guessed is not None:
        return guessed, None
    if notice is not None:
        if notice.publish_date and notice.publish_date[:4].isdigit():
            return None, int(notice.publish_date[:4])
        year = (notice.doc_number_parts or {}).get("year")
        if isinstance(year, int):
            return None, year
    return None, cited_year(text)


@Language.factory("docproc_times")
def make_times(nlp, name):
    from .dates import find_times

    def component(doc: Doc) -> Doc:
        text = doc_text(doc)
        ref, fallback_year = reference_date(text, doc._.notice)
        masks = [d.span for d in (doc._.doc_numbers or [])]
        times = find_times(text, ref=ref, masks=masks, fallback_year=fallback_year)
        doc._.times = times
        _set_spans(doc, "time", [t.span for t in times], "TIME")
        return doc

    return component


@Language.factory("docproc_tasks")
def make_tasks(nlp, name):
    from ..tasks import extract_tasks

    def component(doc: Doc) -> Doc:
        doc._.tasks = extract_tasks(doc_text(doc), doc._.notice, doc._.times or [])
        return doc

    return component


def build_pipeline(root: Path | None = None) -> Language:
    """Build the pipeline from ``<root>/docproc_zh/config.cfg`` and add the span patterns named there."""
    root = Path(root) if root else models_dir()
    cfg_path = root / CONFIG
    if not cfg_path.is_file():
        raise DocprocError(f"pipeline config not found: {cfg_path}")
    config = load_config(cfg_path)
    extra = dict(config.pop("docproc", {}) or {})
    nlp = spacy.blank("zh", config=config)
    for comp, rel in (extra.get("span_patterns") or {}).items():
        path = Path(rel) if Path(rel).is_absolute() else root / rel
        nlp.get_pipe(comp).add_patterns(list(srsly.read_jsonl(path)))
    return nlp


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The pipeline, built once per process."""
    return build_pipeline()


def run_pipeline(text: str, meta: dict | None = None):
    """Run every component on ``text``; return (notice, tasks)."""
    nlp = load_pipeline()
    doc = make_doc(nlp, text)
    doc.user_data[_TEXT_KEY] = text  # spaCy tokenisation is lossless: doc.text == text
    doc._.meta = meta or {}
    for _, proc in nlp.pipeline:
        doc = proc(doc)
    return doc._.notice, doc._.tasks or []
