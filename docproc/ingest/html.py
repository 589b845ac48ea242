"""HTML pages and body fragments → blocks of text (stdlib ``html.parser``; no heavy dependency).

1. **Charset**: BOM, else the declared one (``<meta charset>``, ``http-equiv`` Content-Type, XML
   declaration) *verified*: it must decode strictly and read as plausible Chinese, otherwise the text reader's
   detection decides (``meta["declared_charset"]`` keeps what the page claimed).
2. **Tree**: a small forgiving tree builder (implicit ``</p>``, ``</td>``, ``</li>``; stray end tags ignored;
   entities such as ``&ensp;`` ``&rdquo;`` ``&nbsp;`` decoded).
3. **Chrome**: ``script/style/nav/header/footer/aside/…`` and elements whose class/id names site chrome
   (``nav``, ``menu``, ``footer``, ``breadcrumb``, ``share``…) are dropped; the tables live in
   ``docproc/data/ingest_html.json``.
4. **Metadata**: the 政府信息公开 table (索引号/发文机关/成文日期/发文字号…) goes to ``meta["page_meta"]``
   (not into the text); ``<title>`` to ``meta["html_title"]``.
5. **Main content**: when a content container (``UCAP-CONTENT``, ``zoom``, ``TRS_Editor``, ``article``…)
   holds most of the page's text, only it is read.
6. **Blocks**: block elements and ``<br>`` break lines; ``h1``–``h6`` are headings; a table row whose cells
   are inline is one ``table_row`` (cells joined by a tab); layout tables are read cell by cell.

>>> got = read("<html><head><title>通知</title></head><body><div class='nav'>首页 | 政务公开</div>"
...            "<div id='zoom'><p>关于做好&ldquo;满意服务月&rdquo;活动的通知</p><p>各单位：<br/>现将"
...            "有关事项通知如下。</p><table><tr><td>单位</td><td>时限</td></tr></table></div>"
...            "<div class='footer'>版权所有 ICP备05000001号</div></body></html>".encode())
>>> got.text.split("\\n")
['关于做好“满意服务月”活动的通知', '各单位：', '现将有关事项通知如下。', '单位\\t时限']
>>> got.meta["html_title"], [b.kind for b in got.blocks][-1]
('通知', 'table_row')
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources

from ..errors import EmptyDocument
from ..model import Block
from . import Ingested
from .text import _BOMS, _CODEC, detect_encoding, normalise_newlines, plausibility

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
BLOCK = frozenset("address article blockquote center dd div dl dt fieldset figcaption figure form h1 h2 h3 h4 h5 "
                  "h6 hr li main ol p pre section table tbody thead tfoot tr td th ul caption body html "
                  "title".split())
HEADINGS = {f"h{i}": i for i in range(1, 7)}
# opening X closes an open Y (HTML's implied end tags, simplified)
_IMPLIED = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "tr": {"tr", "td", "th"},
            "td": {"td", "th"}, "th": {"td", "th"}, "option": {"option"}}
_BLOCK_CLOSES_P = frozenset("div table ul ol dl h1 h2 h3 h4 h5 h6 pre blockquote form section article".split())
_SCOPE = frozenset({"table", "ul", "ol", "dl"})  # implied closing does not cross these

_META_CHARSET = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENC = re.compile(rb"""<\?xml[^>]{0,200}encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2002\u2003\u2009\u200b]+")
_CJK = r"\u3000-\u30ff\u3400-\u9fff\uff00-\uffef"
_CJK_WRAP = re.compile(rf"(?<=[{_CJK}])[ \t]*\n[ \t\n]*(?=[{_CJK}])")  # source line wrap between CJK
_LABEL_WS = re.compile(r"[\s\u3000\u00a0\u2002\u2003]+")


@lru_cache(maxsize=1)
def _tables() -> dict:
    data = json.loads(resources.files("docproc.data").joinpath("ingest_html.json").read_text(encoding="utf-8"))
    data["drop_tags"] = frozenset(data["drop_tags"])
    data["chrome_exact"] = frozenset(t.lower() for t in data["chrome_exact"])
    data["content_exact"] = frozenset(t.lower() for t in data["content_exact"])
    data["chrome_prefixes"] = tuple(data["chrome_prefixes"])
    data["content_prefixes"] = tuple(data["content_prefixes"])
    keys = sorted(data["meta_keys"], key=len, reverse=True)
    data["meta_keys"] = frozenset(keys)
    data["meta_inline"] = re.compile(r"^(" + "|".join(map(re.escape, keys)) + r")[:：](.*)$")
    return data


# ---------------------------------------------------------------- decoding
def _codec_for(label: str) -> str | None:
    lab = label.lower().replace("_", "-")
    if lab in ("gb2312", "gbk", "x-gbk", "gb-2312", "cp936", "gb18030", "euc-cn", "x-euc-cn"):
        return "gb18030"
    if lab in ("big5", "x-big5", "cp950", "big5-tw"):
        return "big5"
    if lab in ("big5-hkscs", "big5hkscs"):
        return "big5hkscs"
    if lab in ("utf8", "utf-8", "unicode-1-1-utf-8"):
        return "utf-8"
    return lab


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB, if any.

    >>> declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    'gb2312'
    >>> declared_charset(b'<meta charset="UTF-8" />')
    'utf-8'
    """
    head = data[:4096]
    m = _META_CHARSET.search(head) or _XML_ENC.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def decode_html(data: bytes) -> tuple[str, str, str | None, int]:
    """Return (text, encoding used, declared charset, number of undecodable bytes)."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            t = data[len(bom):].decode(codec, "replace")
            return t, (codec if label in ("utf-16", "utf-32") else label), None, t.count("\ufffd")
    declared = declared_charset(data)
    if declared:
        name = _codec_for(declared)
        try:
            t = data.decode(_CODEC.get(name, name))
        except (UnicodeDecodeError, LookupError):
            t = None
        if t is not None and plausibility(_visible_sample(t)).plausible:
            return t, name, declared, 0
    name, codec = detect_encoding(data)
    try:
        return data.decode(codec), name, declared, 0
    except UnicodeDecodeError:
        t = data.decode(codec, "replace")
        return t, name, declared, t.count("\ufffd")


_TAGS_RE = re.compile(r"<[^>]*>|&[a-zA-Z#0-9]+;")


def _visible_sample(html: str) -> str:
    """Roughly the text of a page (tags removed), to score the plausibility of a decoding."""
    return _TAGS_RE.sub(" ", html[:200000])


# ---------------------------------------------------------------- tree
class Node:
    __slots__ = ("tag", "attrs", "children", "parent")

    def __init__(self, tag: str, attrs: dict[str, str], parent: "Node | None"):
        self.tag, self.attrs, self.children, self.parent = tag, attrs, [], parent

    def tokens(self) -> list[str]:
        raw = f"{self.attrs.get('class', '')} {self.attrs.get('id', '')}"
        return [t for t in re.split(r"[\s_\-]+", raw.lower()) if t] + \
            [t for t in raw.lower().split() if t]

    def iter(self):
        stack = [self]
        while stack:
            n = stack.pop()
            yield n
            stack.extend(c for c in reversed(n.children) if isinstance(c, Node))


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root
        self.title: str | None = None
        self._in_title = False
        self._title_parts: list[str] = []

    def _close_to(self, node: Node) -> None:
        self.cur = node.parent or self.root

    def _find_open(self, tag: str, stop: frozenset = frozenset()) -> Node | None:
        n = self.cur
        while n is not None and n is not self.root:
            if n.tag == tag:
                return n
            if n.tag in stop:
                return None
            n = n.parent
        return None

    def handle_starttag(self, tag, attrs):
        tag = tag.lower()
        for closed in _IMPLIED.get(tag, ()):
            stop = _SCOPE if tag not in ("tr",) else frozenset({"table"})
            if tag in ("td", "th"):
                stop = frozenset({"table", "tr"})
            n = self._find_open(closed, stop)
            if n is not None:
                self._close_to(n)
        if tag in _BLOCK_CLOSES_P:
            n = self._find_open("p", _SCOPE | {"td", "th", "div"})
            if n is not None:
                self._close_to(n)
        node = Node(tag, {k.lower(): (v or "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag == "title":
            self._in_title = True
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        tag = tag.lower()
        node = Node(tag, {k.lower(): (v or "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)

    def handle_endtag(self, tag):
        tag = tag.lower()
        if tag == "title":
            self._in_title = False
            if self.title is None:
                self.title = _SPACES.sub(" ", "".join(self._title_parts)).strip() or None
        if tag in VOID:
            return
        n = self._find_open(tag)
        if n is not None:
            self._close_to(n)

    def handle_data(self, data):
        if self._in_title:
            self._title_parts.append(data)
        self.cur.children.append(data)


def parse(html: str) -> _Builder:
    b = _Builder()
    b.feed(html)
    b.close()
    return b


# ---------------------------------------------------------------- chrome, content, metadata
def _is_chrome(node: Node, tables: dict) -> bool:
    if node.tag in tables["drop_tags"]:
        return True
    if node.attrs.get("hidden") is not None and "hidden" in node.attrs:
        return True
    style = node.attrs.get("style", "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style:
        return True
    if node.attrs.get("role", "").lower() in ("navigation", "banner", "contentinfo", "search"):
        return True
    for tok in node.tokens():
        if tok in tables["chrome_exact"] or tok.startswith(tables["chrome_prefixes"]):
            return True
    return False


def _is_content(node: Node, tables: dict) -> bool:
    if node.tag in ("article", "main"):
        return True
    for tok in node.tokens():
        if tok in tables["content_exact"] or tok.startswith(tables["content_prefixes"]):
            return True
    return False


def _depth(node: Node) -> int:
    d = 0
    while node.parent is not None:
        node, d = node.parent, d + 1
    return d


def _prune(root: Node, tables: dict) -> None:
    """Remove chrome subtrees in place."""
    stack = [root]
    while stack:
        n = stack.pop()
        keep = []
        for c in n.children:
            if isinstance(c, Node) and _is_chrome(c, tables):
                continue
            keep.append(c)
            if isinstance(c, Node):
                stack.append(c)
        n.children = keep


def _text_lengths(root: Node) -> dict[int, int]:
    """Visible text length of every subtree, in one pass (``id(node)`` → length)."""
    order = list(root.iter())  # parents before children
    lengths: dict[int, int] = {}
    for n in reversed(order):
        total = sum(len(c.strip()) if isinstance(c, str) else lengths.get(id(c), 0) for c in n.children)
        lengths[id(n)] = total
    return lengths


def _main_content(root: Node, tables: dict) -> Node:
    lengths = _text_lengths(root)
    total = lengths[id(root)]
    if total == 0:
        return root
    cands = [(lengths[id(n)], n) for n in root.iter() if n is not root and _is_content(n, tables)]
    cands = [(ln, n) for ln, n in cands if ln >= max(60, 0.4 * total)]
    if not cands:
        return root
    best = max(ln for ln, _ in cands)
    tight = [(_depth(n), n) for ln, n in cands if ln >= 0.8 * best]
    return max(tight, key=lambda x: x[0])[1]


def _norm_label(s: str) -> str:
    return _LABEL_WS.sub("", s).rstrip(":：")


def _cell_text(node: Node) -> str:
    parts = []
    for n in node.iter():
        parts.extend(c for c in n.children if isinstance(c, str))
    return _SPACES.sub(" ", "".join(parts)).strip()


def extract_page_meta(root: Node, tables: dict) -> tuple[dict[str, str], list[Node]]:
    """Find the 政府信息公开 metadata table(s): label cells (索引号：…) followed by value cells.

    Returns (metadata, the table nodes that were metadata, to leave out of the text).
    """
    keys, inline = tables["meta_keys"], tables["meta_inline"]
    meta: dict[str, str] = {}
    used: list[Node] = []
    for table in (n for n in root.iter() if n.tag == "table"):
        found: dict[str, str] = {}
        rows = [n for n in table.iter() if n.tag == "tr" and _nearest(n, "table") is table]
        for tr in rows:
            cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")]
            texts = [_cell_text(c) for c in cells]
            i = 0
            while i < len(texts):
                label = _norm_label(texts[i])
                m = inline.match(_LABEL_WS.sub("", texts[i]))
                if label in keys:
                    value = texts[i + 1].strip() if i + 1 < len(texts) else ""
                    if _norm_label(value) in keys:  # empty value followed by the next label
                        value = ""
                        i += 1
                    else:
                        i += 2
                    found.setdefault(label, value)
                    continue
                if m:
                    found.setdefault(m.group(1), texts[i].split("：", 1)[-1].split(":", 1)[-1].strip())
                i += 1
        if len(found) >= 2:
            used.append(table)
            for k, v in found.items():
                meta.setdefault(k, v)
    return {k: v for k, v in meta.items()}, used


def _nearest(node: Node, tag: str) -> Node | None:
    n = node.parent
    while n is not None and n.tag != tag:
        n = n.parent
    return n


# ---------------------------------------------------------------- rendering
class _Renderer:
    def __init__(self, skip: list[Node]):
        self.blocks: list[Block] = []
        self.line: list[str] = []
        self.skip = {id(n) for n in skip}

    def flush(self, kind: str = "paragraph", level: int | None = None) -> None:
        text = _clean_line("".join(self.line))
        self.line = []
        if text:
            self.blocks.append(Block(kind, text, level))

    def render(self, node: Node) -> None:
        for c in node.children:
            if isinstance(c, str):
                self.line.append(c)
                continue
            if id(c) in self.skip:
                continue
            tag = c.tag
            if tag == "br":
                self.line.append(_BR)
            elif tag in HEADINGS:
                self.flush()
                self.render(c)
                self.flush("heading", HEADINGS[tag])
            elif tag == "tr":
                self.flush()
                self.row(c)
            elif tag in BLOCK or tag == "hr":
                self.flush()
                self.render(c)
                self.flush()
            elif tag == "img":
                continue  # alt texts of gov sites are chrome (打印, 关闭…)
            else:
                self.render(c)

    def row(self, tr: Node) -> None:
        cells = [c for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th") and id(c) not in self.skip]
        rendered = []
        for cell in cells:
            sub = _Renderer([])
            sub.skip = self.skip
            sub.render(cell)
            sub.flush()
            rendered.append(sub.blocks)
        if all(len(b) <= 1 and all(x.kind == "paragraph" for x in b) for b in rendered):
            texts = [b[0].text for b in rendered if b]
            if texts:
                self.blocks.append(Block("table_row", "\t".join(texts)))
        else:  # a layout table: its cells hold paragraphs
            for b in rendered:
                self.blocks.extend(b)


_BR = "\u2028"  # a <br> (source newlines were normalised to \n, so U+2028 cannot come from the page)


def _clean_line(s: str) -> str:
    s = _CJK_WRAP.sub("", s)
    lines = []
    for part in s.split(_BR):
        part = _SPACES.sub(" ", part).strip(" \u3000")
        if part:
            lines.append(part)
    return "\n".join(lines)


def _split_blocks(blocks: list[Block]) -> list[Block]:
    out = []
    for b in blocks:
        if "\n" in b.text:
            out.extend(Block(b.kind, t, b.level) for t in b.text.split("\n"))
        else:
            out.append(b)
    return out


_STRUCTURE = frozenset("p div table tr td li ul ol dl h1 h2 h3 h4 h5 h6 section article blockquote pre body".split())


def _newlines_as_breaks(root: Node) -> None:
    for n in root.iter():
        n.children = [c.replace("\n", _BR) if isinstance(c, str) else c for c in n.children]


def read(data: bytes, name: str | None = None, settings=None) -> Ingested:
    html, enc, declared, lost = decode_html(data)
    html = normalise_newlines(html)
    tables = _tables()
    tree = parse(html)
    root = tree.root
    page_meta, meta_tables = extract_page_meta(root, tables)
    _prune(root, tables)
    if not any(n.tag in _STRUCTURE for n in root.iter()):
        _newlines_as_breaks(root)  # a fragment with inline tags only (<b>, <br />): its lines are its lines
    main = _main_content(root, tables)
    r = _Renderer(meta_tables)
    r.render(main)
    r.flush()
    blocks = _split_blocks(r.blocks)
    if not blocks and not page_meta:
        raise EmptyDocument(f"{name or 'input'}: the page has no text")
    meta: dict = {}
    if tree.title:
        meta["html_title"] = tree.title
    if page_meta:
        meta["page_meta"] = page_meta
    if declared:
        meta["declared_charset"] = declared
    if lost:
        meta["decode_errors"] = lost
    if main is not root:
        meta["content_container"] = (main.tag + "".join(f"#{main.attrs['id']}" for _ in [0] if main.attrs.get("id"))
                                     + "".join(f".{c}" for c in main.attrs.get("class", "").split()[:2]))
    return Ingested("\n".join(b.text for b in blocks), "html", "text/html", enc, blocks, [], meta)
