"""Organ names for the notice fields: issuers, addressees (主送), cc (抄送) — recognising, segmenting, splitting.

An *organ name* starts like one (``中共``, ``国务院``, a province, or a place ``<name><level>`` such as
``龙岩市``/``丰泽区``) and ends with an organ suffix (``厅 局 委 办 部 院 中心 公司 …``).  The word lists are
data files in ``models/patterns/`` (org_starts.txt, org_suffixes.txt, place_levels.txt, place_false.txt,
addressee_elliptical.txt, addressee_scopes.txt), read once per process.

Segmenting fused names (PDF/OCR text loses the spaces between joint issuers):

>>> lex = lexicon()
>>> lex.segment_orgs("中共山东省委办公厅山东省人民政府办公厅")
['中共山东省委办公厅', '山东省人民政府办公厅']
>>> lex.segment_orgs("陕西省发展和改革委员会    陕西省林业局")
['陕西省发展和改革委员会', '陕西省林业局']
>>> lex.segment_orgs("龙岩市工业和信息化局中共龙岩市委精神文明建设办公室龙岩市城市管理局")
['龙岩市工业和信息化局', '中共龙岩市委精神文明建设办公室', '龙岩市城市管理局']
>>> lex.segment_orgs("山东省财政") is None
True
>>> lex.org_tail("典型业务场景配置标准国网陕西省电力有限公司安全监察部(保卫部）")
(10, ['国网陕西省电力有限公司安全监察部(保卫部）'])

Splitting addressees only *between* addressees (a shared head or prefix keeps an enumeration whole):

>>> lex.split_list("各省、自治区、直辖市人民政府，国务院各部委、各直属机构")
['各省、自治区、直辖市人民政府', '国务院各部委、各直属机构']
>>> lex.split_list("各市财政局、省直各部门(单位)、各省属企业")
['各市财政局', '省直各部门(单位)', '各省属企业']
>>> lex.split_list("各设区市发展改革委、林业局，国网陕西省电力公司、省森林资源管理局、省林科院")
['各设区市发展改革委、林业局', '国网陕西省电力公司', '省森林资源管理局', '省林科院']
>>> lex.split_list("解放军各大单位和武警部队、中央军委机关各部门")
['解放军各大单位和武警部队', '中央军委机关各部门']
>>> lex.split_list("市发改委、市城建办、住建局，丰泽区自然资源局、住建局、交警大队、中国华西工程设计建设有限公司")
['市发改委', '市城建办', '住建局', '丰泽区自然资源局、住建局、交警大队', '中国华西工程设计建设有限公司']
>>> lex.split_list("各局属单位、局机关各处室"), lex.split_list("省有关部门、单位")
(['各局属单位', '局机关各处室'], ['省有关部门、单位'])
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import DocprocError

CJK = "\u4e00-\u9fff"
_OPEN, _CLOSE = "（(〔[【", "）)〕]】"
_ANY_BRACKET = re.compile("[" + re.escape(_OPEN + _CLOSE) + "]")


def models_dir() -> Path:
    """The ``models/`` folder: ``DOCPROC_MODELS`` if set, else the copy an installed wheel carries
    (``docproc/_models``, see setup.py), else ``models/`` of the checkout (editable installs, tests)."""
    env = os.environ.get("DOCPROC_MODELS")
    here = Path(__file__).resolve().parents[1]
    tried = [Path(env)] if env else [here / "_models", here.parent / "models"]
    for d in tried:
        if (d / "patterns").is_dir():
            return d
    raise DocprocError(f"extraction data not found in {' or '.join(str(d / 'patterns') for d in tried)} "
                       "(set DOCPROC_MODELS to a models/ folder)")


def read_list(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a UTF-8 word list."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if s and not s.startswith("#"):
            out.append(s)
    return out


def strip_parens(s: str) -> str:
    """Remove bracketed groups: ``省有关部门（单位）`` → ``省有关部门``.

    >>> strip_parens("各县（市、区）工信科技局"), strip_parens("安全监察部(保卫部）")
    ('各县工信科技局', '安全监察部')
    """
    if not _ANY_BRACKET.search(s):
        return s
    out, depth = [], 0
    for ch in s:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def split_top(s: str, seps: str) -> list[tuple[int, int]]:
    """Split ``s`` at any of ``seps`` outside brackets; return (start, end) of the non-empty parts.

    >>> s = "各县（市、区）委文明办、工信科技局"
    >>> [s[a:b] for a, b in split_top(s, "、")]
    ['各县（市、区）委文明办', '工信科技局']
    """
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            if i > start:
                parts.append((start, i))
            start = i + 1
    if len(s) > start:
        parts.append((start, len(s)))
    return parts


@dataclass
class Lexicon:
    """The word lists of ``models/patterns`` with the matchers built from them (build once, reuse)."""

    directory: Path
    org_suffixes: tuple[str, ...] = ()
    org_starts: tuple[str, ...] = ()
    place_levels: tuple[str, ...] = ()
    place_false: frozenset = frozenset()
    scopes: tuple[str, ...] = ()
    header_words: tuple[str, ...] = ()
    title_keywords: tuple[str, ...] = ()
    doc_types: dict = field(default_factory=dict)
    header_noise: re.Pattern | None = None
    elliptical: re.Pattern | None = None
    inner_false: re.Pattern | None = None

    @classmethod
    def load(cls, directory: Path) -> "Lexicon":
        d = Path(directory)
        lex = cls(directory=d)
        lex.org_suffixes = tuple(sorted(read_list(d / "org_suffixes.txt"), key=len, reverse=True))
        lex.org_starts = tuple(sorted(read_list(d / "org_starts.txt"), key=len, reverse=True))
        lex.place_levels = tuple(sorted(read_list(d / "place_levels.txt"), key=len, reverse=True))
        lex.place_false = frozenset(read_list(d / "place_false.txt"))
        lex.scopes = tuple(sorted(read_list(d / "addressee_scopes.txt"), key=len, reverse=True))
        lex.header_words = tuple(sorted(read_list(d / "header_words.txt"), key=len, reverse=True))
        lex.title_keywords = tuple(read_list(d / "title_keywords.txt"))
        for line in read_list(d / "doc_types.txt"):
            word, _, kind = line.partition("\t")
            lex.doc_types[word.strip()] = (kind or "type").strip()
        noise = read_list(d / "header_noise.txt")
        lex.header_noise = re.compile("|".join(f"(?:{p})" for p in noise)) if noise else None
        ell = read_list(d / "addressee_elliptical.txt")
        lex.elliptical = re.compile("|".join(f"(?:{p})" for p in ell)) if ell else None
        inner = read_list(d / "org_inner_false.txt") if (d / "org_inner_false.txt").is_file() else []
        lex.inner_false = re.compile("|".join(re.escape(w) for w in inner)) if inner else None
        lex._build()
        return lex

    def _build(self) -> None:
        alt = "|".join(re.escape(w) for w in self.org_suffixes)
        self._suffix_re = re.compile(f"(?:{alt})$")
        self._suffix_at = re.compile(f"(?:{alt})")  # longest first: the longest suffix word starting at a spot
        levels = "|".join(re.escape(w) for w in self.place_levels)
        self._place_re = re.compile(f"[{CJK}]{{2,9}}?(?P<level>{levels})")
        self._level_chars = frozenset(w for w in self.place_levels if len(w) == 1)
        starts = "|".join(re.escape(w) for w in self.org_starts)
        self._start_re = re.compile(f"(?:{starts})")
        self._max_suffix = max((len(w) for w in self.org_suffixes), default=1)
        types = sorted(self.doc_types, key=len, reverse=True)
        self._type_end_re = re.compile("(?:" + "|".join(re.escape(w) for w in types) + ")$")

    # --- single names -------------------------------------------------------------------------------
    def ends_as_org(self, s: str) -> bool:
        core = strip_parens(s)
        return bool(core) and core.endswith(self.org_suffixes)

    def place_prefix(self, s: str) -> int:
        """Length of a leading place name ``<name><level>`` (0 if none).

        A one-character level (省 市 县 区 州 …) takes a 2–3 character name (longer ones are listed in
        org_starts.txt: 鄂尔多斯, 乌鲁木齐…); a longer level takes up to 6, or up to 9 for the ethnic names of
        autonomous areas (…族…自治州).  The match is refused when the next character is another level word
        (…常州|市 is no place, 常州市 is; but 宁波市|市场监督管理局 is: the level word repeats), when the name holds
        an organ start further in (回执山东|省: the place is 山东省), or when it is a false place word (城市, 社区…).

        >>> lex = lexicon()
        >>> lex.place_prefix("龙岩市工业和信息化局"), lex.place_prefix("广西壮族自治区人民政府"), lex.place_prefix("城市管理局")
        (3, 7, 0)
        >>> lex.place_prefix("回执山东省核应急委员会"), lex.place_prefix("通知常州市建设局")
        (0, 0)
        >>> lex.place_prefix("宁波市市场监督管理局"), lex.place_prefix("黔东南苗族侗族自治州人民政府")
        (3, 10)
        """
        m = self._place_re.match(s)
        if not m:
            return 0
        word, level = m.group(0), m.group("level")
        name = word[: len(word) - len(level)]
        if len(level) == 1 and len(name) > 3:
            return 0
        if len(name) > 6 and "族" not in name:
            return 0
        if m.end() < len(s) and s[m.end()] in self._level_chars and s[m.end()] != level:
            return 0
        if any(f in word for f in self.place_false):
            return 0
        if self._start_re.search(name, 1):
            return 0
        return m.end()

    def starts_as_org(self, s: str) -> bool:
        return bool(self._start_re.match(s)) or self.place_prefix(s) > 0

    def is_org(self, s: str) -> bool:
        """Starts and ends like an organ name, and its brackets pair up (…等负责）国务院 is two pieces of text).

        >>> lex = lexicon()
        >>> lex.is_org("国网陕西省电力有限公司安全监察部(保卫部）"), lex.is_org("工业和信息化部等负责）国务院")
        (True, False)
        >>> lex.is_org("农业农村部负责国务院")   # a word that never stands inside a name (org_inner_false.txt)
        False
        """
        return len(s) >= 3 and self.starts_as_org(s) and self.ends_as_org(s) and _balanced(s) \
            and not (self.inner_false and self.inner_false.search(s))

    def doc_type(self, title: str | None) -> str | None:
        """The 文种 a title ends with (longest word of doc_types.txt), else None.

        >>> lex = lexicon()
        >>> lex.doc_type("关于组织开展“满意服务月”活动的实施意见"), lex.doc_type("…讨论会纪要"), lex.doc_type("…工作方案")
        ('意见', '纪要', '方案')
        >>> lex.doc_type("2026年中央一号文件") is None
        True
        """
        if not title:
            return None
        t = re.sub(r"[\s》”\"'）)。]+$", "", title)
        t = re.sub(r"[（(](试行|暂行|征求意见稿|送审稿|草案|修订)[）)]$", "", t)
        m = self._type_end_re.search(t)
        return m.group(0) if m else None

    # --- fused runs of names ------------------------------------------------------------------------
    def segment_orgs(self, run: str) -> list[str] | None:
        """Split a run of organ names (spaces, 、 or nothing between them) into names; None if it is not one."""
        out: list[str] = []
        for a, b in split_top(run, " \t\u3000\n、"):
            seg = self._segment_piece(run[a:b])
            if seg is None:
                return None
            out.extend(seg)
        return out or None

    def _segment_piece(self, s: str) -> list[str] | None:
        n = len(s)
        if n < 3 or n > 120:
            return None
        cuts = [i for i in range(3, n - 2)
                if self.ends_as_org(s[:i]) and self.starts_as_org(s[i:]) and not self._splits_suffix(s, i)]
        best: dict[int, list[str] | None] = {}

        def solve(i: int) -> list[str] | None:
            if i in best:
                return best[i]
            res = None
            if self.is_org(s[i:]):
                res = [s[i:]]
            for j in cuts:
                if j - i >= 3 and self.is_org(s[i:j]):
                    rest = solve(j)
                    if rest is not None and (res is None or len(rest) + 1 > len(res)):
                        res = [s[i:j]] + rest
            best[i] = res
            return res

        return solve(0)

    def _splits_suffix(self, s: str, i: int) -> bool:
        """True if a suffix word runs across position i (…办|公厅… is no boundary)."""
        for j in range(max(0, i - self._max_suffix + 1), i):
            m = self._suffix_at.match(s, j)
            if m and m.end() > i:
                return True
        return False

    def org_tail(self, run: str, breaks=()) -> tuple[int, list[str]] | None:
        """The longest tail of ``run`` that is a run of organ names: (offset, names), or None.

        ``breaks`` are offsets where the original text had a space or line break: when there are any, a tail
        starts at 0 or at one of them.  A tail that starts with a place name (not a listed organ start) is moved
        right while that still reads as a place (表龙岩市… → 龙岩市…: the first character ended the word before).
        """
        n = len(run)
        order = [p for p in [0, *sorted(set(breaks))] if 0 <= p < n - 2]
        tried = set()
        for group in (order, range(0, max(0, n - 2))):
            for p in group:
                if p in tried:
                    continue
                tried.add(p)
                if not self.starts_as_org(run[p:]):
                    continue
                seg = self.segment_orgs(run[p:])
                if not seg:
                    continue
                if p > 0 and not self._start_re.match(run, p):
                    q = p + 1
                    while q < n - 2 and self.place_prefix(run[q:]) and not self._start_re.match(run, p):
                        seg2 = self.segment_orgs(run[q:])
                        if not seg2 or len(seg2) != len(seg) or len(self._place_re.match(run[q:]).group("level")) != 1:
                            break
                        p, seg = q, seg2
                        q += 1
                if not self._start_re.match(run, p):
                    # 落实省…方案|山东省…办公室: an organ start inside a place-led name begins the real name; so
                    # does a place after words that are no place (常州市第三批…推荐表|常州市文明办: an attachment
                    # name above the signature), but not a place within a chain of places (泉州市丰泽区…)
                    first_end = p + len(seg[0])  # only inside the first name: later names are cut already
                    chain_end = p
                    while chain_end < first_end and self.place_prefix(run[chain_end:first_end]):
                        chain_end += self.place_prefix(run[chain_end:first_end])  # 大理白族自治州|, 泉州市丰泽区|
                    for q0 in range(max(p + 3, chain_end), min(n - 2, first_end - 2)):
                        q = q0
                        if not self._start_re.match(run, q):
                            k = self.place_prefix(run[q:])
                            if not k:
                                continue
                            # 局宜昌市 and 宜昌市 end together: the place is the shorter one
                            while q + 1 < n - 2 and self.place_prefix(run[q + 1:]) == k - 1 > 0:
                                q, k = q + 1, k - 1
                            if not self._not_places(run[p:q]):
                                continue
                        if self.ends_as_org(run[p:q]):
                            continue
                        seg2 = self.segment_orgs(run[q:])
                        if seg2:
                            p, seg = q, seg2
                            break
                return p, seg
        return None

    def _not_places(self, s: str) -> bool:
        """``s`` holds more than a chain of place names (山东省济南市 is a chain; 常州市第三批推荐表 is not)."""
        while s:
            k = self.place_prefix(s)
            if not k:
                return True
            s = s[k:]
        return False

    # --- addressee lists ----------------------------------------------------------------------------
    def _kind(self, piece: str) -> str:
        """distinct (各…/a place/an organ start) | scope (局机关…, 省…) | none (统计局, 单位)."""
        if piece.startswith("各") or self.starts_as_org(piece):
            return "distinct"
        if any(piece.startswith(w) for w in self.scopes):
            return "scope"
        return "none"

    def _elliptical(self, piece: str) -> bool:
        return bool(self.elliptical and self.elliptical.fullmatch(strip_parens(piece)))

    def split_list_spans(self, s: str) -> list[tuple[int, int]]:
        """(start, end) of each addressee in ``s`` (split at ，/；, and at 、 only between addressees)."""
        out: list[tuple[int, int]] = []
        for a, b in split_top(s, "，,；;"):
            part = s[a:b]
            pieces = split_top(part, "、")
            groups: list[list[tuple[int, int]]] = []
            pending: list[tuple[int, int]] = []
            for pa, pb in pieces:
                p = part[pa:pb]
                if not self.ends_as_org(p):
                    pending.append((pa, pb))
                    continue
                if pending:
                    groups.append(pending + [(pa, pb)])
                    pending = []
                    continue
                if groups and (self._elliptical(p) or (
                        self._kind(p) == "none" and self._kind(part[slice(*groups[-1][0])]) == "distinct")):
                    groups[-1].append((pa, pb))
                    continue
                groups.append([(pa, pb)])
            if pending:
                if groups:
                    groups[-1].extend(pending)
                else:
                    groups.append(pending)
            for g in groups:
                out.append((a + g[0][0], a + g[-1][1]))
        return out

    def split_list(self, s: str) -> list[str]:
        return [s[a:b] for a, b in self.split_list_spans(s)]


@lru_cache(maxsize=4)
def lexicon(directory: str | None = None) -> Lexicon:
    """The lexicon of ``directory`` (default ``models/patterns``), loaded once."""
    return Lexicon.load(Path(directory) if directory else models_dir() / "patterns")
