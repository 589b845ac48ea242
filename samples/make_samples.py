#!/usr/bin/env python
"""Regenerate the fixtures in ``samples/`` from the five seed notices.

Usage (from the repository root)::

    .venv/bin/python samples/make_samples.py            # everything
    .venv/bin/python samples/make_samples.py text zip   # only some phases

Phases: ``seeds`` (copy the five seeds), ``text`` (the same notices in several encodings), ``docx``, ``pdf``
(LibreOffice headless from the .docx; needs ``soffice`` and a CJK font such as fonts-wqy-microhei),
``html`` (gov-style pages with chrome), ``scan`` (an image-only PDF, i.e. a scan without text layer),
``zip`` (``notices.zip`` with UTF-8 and GBK-named members).

Sources: ``../shared/seeds/`` (the project's own seed notices) and ``../shared/seeds_clean/`` (their clean
texts).  Set ``DOCPROC_SHARED`` to point elsewhere.  The output is deterministic except the PDFs' internal
creation dates.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "data" / "fixtures"  # the .doc and the encrypted PDF: test-only files
ROOT = HERE.parent
SHARED = Path(os.environ.get("DOCPROC_SHARED", ROOT.parent / "shared")).resolve()
SEEDS = ["000_e91c830034ea0435", "001_4317c450505966d0", "002_37115b21c65bdb69",
         "003_4a6492579ca8984f", "004_3b4e1c6dcfc22d80"]
FIXED_DATE = (2024, 7, 1, 9, 0, 0)  # zip member timestamps, so the zip is reproducible


def clean(seed: str) -> str:
    return (SHARED / "seeds_clean" / f"{seed}.txt").read_text(encoding="utf-8")


def short(seed: str) -> str:
    return seed[:3]


def to_traditional(text: str) -> str:
    import opencc

    # s2tw (Taiwan standard) stays inside Big5; plain s2t yields 衆/爲/羣, which Big5 lacks.
    return opencc.OpenCC("s2tw").convert(text)


# ---------------------------------------------------------------- seeds / text
def make_seeds() -> None:
    out = HERE / "seeds"
    out.mkdir(exist_ok=True)
    for s in SEEDS:
        shutil.copyfile(SHARED / "seeds" / f"{s}.txt", out / f"{s}.txt")


def make_text() -> None:
    out = HERE / "text"
    out.mkdir(exist_ok=True)
    t = clean(SEEDS[2])  # 002: one notice in every encoding (the round-trip set)
    crlf = t.replace("\n", "\r\n")
    (out / "002.utf8.txt").write_bytes(t.encode("utf-8"))
    (out / "002.utf8-bom.txt").write_bytes(b"\xef\xbb\xbf" + crlf.encode("utf-8"))  # BOM + CRLF
    (out / "002.utf16le-bom.txt").write_bytes(b"\xff\xfe" + crlf.encode("utf-16-le"))
    (out / "002.utf16be-bom.txt").write_bytes(b"\xfe\xff" + t.encode("utf-16-be"))
    (out / "002.utf16le-nobom.txt").write_bytes(t.encode("utf-16-le"))
    (out / "002.gbk.txt").write_bytes(crlf.encode("gbk"))
    (out / "002.gb18030.txt").write_bytes(t.encode("gb18030"))
    # 002 has "·" (U+00B7), which GB2312 lacks, so the GB2312 sample is 004
    (out / "004.gb2312.txt").write_bytes(clean(SEEDS[4]).encode("gb2312"))
    # 003 in GBK too (a second notice), 000 as traditional Big5 and its UTF-8 twin
    (out / "003.gbk.txt").write_bytes(clean(SEEDS[3]).encode("gbk"))
    trad = to_traditional(clean(SEEDS[0]))
    (out / "000.trad.big5.txt").write_bytes(trad.encode("big5"))
    (out / "000.trad.utf8.txt").write_bytes(trad.encode("utf-8"))
    # short texts: a 16-byte GBK document number, a short Big5 title
    (out / "docno.gbk.txt").write_bytes("常建〔2010〕36号".encode("gbk"))
    (out / "title.big5.txt").write_bytes("關於進一步加強服務品牌建設的通知".encode("big5"))
    # GB18030 four-byte sequences (CJK Ext. A/B names are not in GBK)
    (out / "gb18030-4byte.txt").write_bytes("联系人：王䶮，电话：85680863\n𠮷野家路口\n".encode("gb18030"))
    # damaged GBK: the two bytes of 特 overwritten with bytes that are no GBK at all (0x80 0x80) …
    gbk = clean(SEEDS[3]).splitlines()[3].encode("gbk")
    (out / "003.gbk-damaged.txt").write_bytes(gbk.replace("特".encode("gbk"), b"\x80\x80", 1) + b"\n")
    # … and a file cut in the middle of its last character
    (out / "003.gbk-truncated.txt").write_bytes(gbk[:-1])


# ---------------------------------------------------------------- docx
_CN = "零一二三四五六七八九"


def cn_to_int(s: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20 (enough for section numbers)."""
    if s == "十":
        return 10
    if "十" in s:
        a, _, b = s.partition("十")
        return (_CN.index(a) if a else 1) * 10 + (_CN.index(b) if b else 0)
    return _CN.index(s)


LEVELS = (
    re.compile(r"^([一二三四五六七八九十]+)、"),        # level 0: 一、
    re.compile(r"^（([一二三四五六七八九十]+)）"),      # level 1: （一）
    re.compile(r"^(\d{1,2})([.、])(?!\d)"),             # level 2: 1. or 1、
)
BANJI = re.compile(r"^(主题词|抄报|抄送|共印|.{2,20}\s\d{4}年\d{1,2}月\d{1,2}日印发)")
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FONT = "WenQuanYi Micro Hei"


def _numbering_xml(decimal_text: str) -> str:
    lvls = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3" + decimal_text)]
    body = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{txt}"/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="640"/></w:pPr></w:lvl>'
        for i, (fmt, txt) in enumerate(lvls))
    return (f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
            f'{body}</w:abstractNum>')


def _textbox_run(text: str) -> str:
    """A run holding a DrawingML text box and its VML fallback (the same text twice in the XML)."""
    wps = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    para = f'<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>'
    return (
        f'<w:r xmlns:w="{W_NS}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        f'xmlns:wps="{wps}" xmlns:v="urn:schemas-microsoft-com:vml">'
        '<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="3600000" cy="400000"/>'
        '<wp:docPr id="1" name="文本框 1"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic><a:graphicData uri="{wps}"><wps:wsp><wps:cNvSpPr txBox="1"/>'
        '<wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="3600000" cy="400000"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/></wps:spPr>'
        f'<wps:txbx><w:txbxContent>{para}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>'
        '</a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>'
        '<mc:Fallback><w:pict><v:shape style="width:283pt;height:31pt" stroked="f">'
        f'<v:textbox><w:txbxContent>{para}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>'
        '</mc:AlternateContent></w:r>')


def _add_page_number_footer(section) -> None:
    from docx.oxml import parse_xml

    p = section.footer.paragraphs[0]
    p.alignment = 1
    p.add_run("— ")
    p._p.append(parse_xml(f'<w:fldSimple xmlns:w="{W_NS}" w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    p.add_run(" —")


def make_docx_one(seed: str, out: Path) -> None:
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.shared import Pt

    lines = [ln for ln in clean(seed).split("\n") if ln.strip()]
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.size = Pt(16)  # 三号, as GB/T 9704 prescribes
    if not seed.startswith("002"):  # justified with a two-character first-line indent; 002 stays ragged
        normal.paragraph_format.first_line_indent = Pt(32)
        normal.paragraph_format.alignment = 3  # justify
    for st in ("Normal", "Heading 1", "Heading 2", "Title"):
        rpr = d.styles[st].element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = parse_xml(f'<w:rFonts xmlns:w="{W_NS}"/>')
            rpr.insert(0, rfonts)
        for k in ("ascii", "hAnsi", "eastAsia"):
            rfonts.set(qn(f"w:{k}"), FONT)
        for k in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme"):
            rfonts.attrib.pop(qn(f"w:{k}"), None)
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "常州市建设系统文件汇编"  # a running header (PDF: repeated on every page)
    _add_page_number_footer(sec)
    numbering = d.part.numbering_part.element
    decimal = "、" if any(re.match(r"^\d{1,2}、", ln) for ln in lines) else "."
    numbering.insert(0, parse_xml(_numbering_xml(decimal)))
    numbering.append(parse_xml(f'<w:num xmlns:w="{W_NS}" w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    styled_numbering = seed.startswith("001")  # 001: the numbering comes through the heading style
    if styled_numbering:
        ppr = d.styles["Heading 2"].element.get_or_add_pPr()
        ppr.insert(0, parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="0"/><w:numId w:val="90"/></w:numPr>'))

    counters = [0, 0, 0]
    title_done = False
    banji: list[str] = []
    for i, line in enumerate(lines):
        if BANJI.match(line) and i >= len(lines) - 5:
            banji.append(line)
            continue
        level = number = None
        for lv, rx in enumerate(LEVELS):
            m = rx.match(line)
            if m:
                level, label = lv, m.group(0)
                number = int(m.group(1)) if lv == 2 else cn_to_int(m.group(1))
                break
        numbered = level is not None and number == counters[level] + 1 and (level != 2 or decimal in label)
        if level is not None and styled_numbering and level != 0:
            numbered = False  # 001 numbers only its 一、 headings (through the style)
        if numbered:
            counters[level] += 1
            for k in range(level + 1, 3):
                counters[k] = 0
            body = line[len(label):]
        else:
            body = line
        if not title_done and ("关于" in line or line.endswith(("方案", "意见", "通知"))) and level is None:
            p = d.add_paragraph(body, style="Heading 1")
            p.alignment = 1
            title_done = True
            continue
        if numbered and level == 0:
            p = d.add_paragraph(body, style="Heading 2")
        else:
            p = d.add_paragraph(body)
        if numbered and not (styled_numbering and level == 0):
            ppr = p._p.get_or_add_pPr()
            ppr.append(parse_xml(f'<w:numPr xmlns:w="{W_NS}"><w:ilvl w:val="{level}"/><w:numId w:val="90"/>'
                                 '</w:numPr>'))
    if seed.startswith("003"):
        # the document number sits in a text box above the title (as red-header layouts do)
        first = d.paragraphs[0]
        if first.text == lines[0]:
            for r in list(first.runs):
                r._r.getparent().remove(r._r)
            first._p.append(parse_xml(_textbox_run(lines[0])))
    if seed.startswith("004") and not banji:
        banji = lines[-2:]  # signature and date as a borderless two-cell table
        for p in d.paragraphs[-2:]:
            p._p.getparent().remove(p._p)
        rows = [banji]
    else:
        rows = [ln.split(" ", 1) if " " in ln else [ln] for ln in banji]
    if rows:
        cols = max(len(r) for r in rows)
        t = d.add_table(rows=len(rows), cols=cols)
        t.style = d.styles["Table Grid"]
        for r, cells in zip(t.rows, rows):
            for c, text in zip(r.cells, cells):
                c.text = text
    d.core_properties.title = lines[1] if len(lines) > 1 else lines[0]
    d.core_properties.author = "docproc samples"
    import datetime

    d.core_properties.created = d.core_properties.modified = datetime.datetime(2024, 7, 1, 9, 0, 0)
    d.save(out)


def make_docx() -> None:
    out = HERE / "docx"
    out.mkdir(exist_ok=True)
    for s in SEEDS:
        make_docx_one(s, out / f"{short(s)}.docx")


# ---------------------------------------------------------------- pdf
def make_pdf() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("soffice not found: skipping pdf (apt-get install libreoffice-writer-nogui)", file=sys.stderr)
        return
    out = HERE / "pdf"
    out.mkdir(exist_ok=True)
    docs = sorted((HERE / "docx").glob("*.docx"))
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), *map(str, docs)], check=True, capture_output=True, timeout=300)
        # a password-protected PDF (open password "secret")
        enc = ('pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
               '"DocumentOpenPassword":{"type":"string","value":"secret"}}')
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", enc,
                        "--outdir", tmp, str(HERE / "docx" / "004.docx")], check=True, capture_output=True,
                       timeout=300)
        FIXTURES.mkdir(parents=True, exist_ok=True)  # negative/tool-dependent fixtures live with the tests
        shutil.copyfile(Path(tmp, "004.pdf"), FIXTURES / "encrypted-004.pdf")
        # the same notice as a Word 97 .doc (for the doc reader and the doc-vs-pdf agreement test)
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
                        "doc:MS Word 97", "--outdir", str(FIXTURES), str(HERE / "docx" / "003.docx")],
                       check=True, capture_output=True, timeout=300)


def make_scan() -> None:
    """An image-only PDF (what a scanner produces): page 1 of pdf/003.pdf rendered and re-embedded as JPEG."""
    import pypdfium2 as pdfium

    src = HERE / "pdf" / "003.pdf"
    if not src.exists():
        return
    pdf = pdfium.PdfDocument(src)
    page = pdf[0]
    w, h = page.get_size()
    img = page.render(scale=1.2, grayscale=True).to_pil().convert("L")
    page.close()
    pdf.close()
    with tempfile.TemporaryDirectory() as tmp:
        jpg = Path(tmp, "scan.jpg")
        img.save(jpg, quality=40)
        out = pdfium.PdfDocument.new()
        pg = out.new_page(w, h)
        image = pdfium.PdfImage.new(out)
        image.load_jpeg(str(jpg), inline=True)
        image.set_matrix(pdfium.PdfMatrix().scale(w, h))
        pg.insert_obj(image)
        pg.gen_content()
        buf = io.BytesIO()
        out.save(buf)
        (HERE / "pdf" / "scan-003.pdf").write_bytes(buf.getvalue())


# ---------------------------------------------------------------- html
NAV = ('<div class="top-nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
       '<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>')
FOOTER = ('<div class="footer"><p><a href="/lxwm">联系我们</a> | <a href="/wzdt">网站地图</a></p>'
          '<p>版权所有：常州市住房和城乡建设局 &nbsp; 苏ICP备05000001号-1</p>'
          '<p>技术支持：常州市信息中心</p></div>')


def _paras(lines: list[str], entities: bool) -> str:
    out = []
    for ln in lines:
        t = ln.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if entities:
            t = t.replace("“", "&ldquo;").replace("”", "&rdquo;").replace("—", "&mdash;")
        out.append(f'<p style="text-indent:2em">&nbsp;&nbsp;{t}</p>')
    return "\n".join(out)


def make_html() -> None:
    out = HERE / "html"
    out.mkdir(exist_ok=True)
    # 003: GBK page declared gb2312, gov.cn-style 信息公开 metadata table, content in div#zoom
    lines = clean(SEEDS[3]).strip().split("\n")
    body = _paras(lines[:-3], entities=True)
    banji = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in (ln.split(" ", 1) if " " in ln else (ln, "")
                                                                      for ln in lines[-3:]))
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于组织开展“满意服务月”活动的实施意见_常州市建设局</title>
<style>.zoom p {{ line-height: 2em; }}</style>
<script type="text/javascript">var _hmt = _hmt || []; document.write("统计代码");</script>
</head><body>
<div class="header"><img src="logo.png" alt="常州市建设局"><span>常州市建设局</span></div>
{NAV}
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 通知公告</div>
<table class="xxgk_table" width="100%"><tr><td>索&ensp;引&ensp;号：</td><td>014109509/2006-00069</td>
<td>主题分类：</td><td>城乡建设、环境保护</td></tr>
<tr><td>发文机关：</td><td>常州市建设局</td><td>成文日期：</td><td>2006年08月22日</td></tr>
<tr><td>标　　题：</td><td colspan="3">关于组织开展“满意服务月”活动的实施意见</td></tr>
<tr><td>发文字号：</td><td>常建〔2006〕166号</td><td>发布日期：</td><td>2008年10月16日</td></tr></table>
<div class="article"><div id="zoom" class="zoom">
{body}
<table border="1" class="banji">{banji}</table>
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a href="javascript:window.print()">打印本页</a></div></div>
{FOOTER}
<script>console.log("end")</script></body></html>
"""
    (out / "003.html").write_bytes(page.encode("gbk"))
    # 004: UTF-8 page with <meta charset>, HTML5 chrome elements, content in <article>
    lines = clean(SEEDS[4]).strip().split("\n")
    page = f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>常州市文明办 - 通知公告</title></head><body>
<header><h1 class="logo">常州文明网</h1></header>
<nav>{NAV}</nav>
<div class="crumbs">您现在的位置：首页 &raquo; 通知公告</div>
<main><article class="article-content">
<h2>{lines[0]}</h2>
{_paras(lines[1:], entities=False)}
</article>
<aside><h3>相关文章</h3><ul><li>关于开展第二批优质服务品牌推荐工作的通知</li></ul></aside></main>
<footer>{FOOTER}</footer></body></html>
"""
    (out / "004.html").write_bytes(page.encode("utf-8"))
    # 002: a page that *declares* gb2312 but is UTF-8 (the declaration must be verified)
    lines = clean(SEEDS[2]).strip().split("\n")
    page = (f'<html><head><meta http-equiv="content-type" content="text/html;charset=gb2312"><title>{lines[0]}'
            f'</title></head><body>{NAV}<div class="content">{_paras(lines, entities=True)}</div>{FOOTER}'
            "</body></html>")
    (out / "002.wrong-charset.html").write_bytes(page.encode("utf-8"))
    # 000: a traditional-Chinese Big5 page
    lines = to_traditional(clean(SEEDS[0])).strip().split("\n")
    page = (f'<html><head><meta charset="big5"><title>{lines[1]}</title></head><body>{NAV}'
            f'<div id="content">{_paras(lines, entities=False)}</div></body></html>')
    (out / "000.big5.html").write_bytes(page.replace("常州市住房和城乡建设局", "常州市住房和城鄉建設局")
                                        .encode("big5", "replace"))


# ---------------------------------------------------------------- zip
class _RawNameInfo(zipfile.ZipInfo):
    """A member whose name is stored as GBK bytes *without* the UTF-8 flag (as old Windows zippers do)."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's private hook)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def make_zip() -> None:
    members: list[tuple[zipfile.ZipInfo, bytes]] = []

    def add(name: str, path: Path, *, gbk_name: bool = False) -> None:
        if not path.exists():
            return
        info = (_RawNameInfo if gbk_name else zipfile.ZipInfo)(name, FIXED_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        members.append((info, path.read_bytes()))

    add("常建〔2010〕36号.txt", HERE / "seeds" / f"{SEEDS[0]}.txt")
    add("通知/住建系统服务品牌创建方案.gbk.txt", HERE / "text" / "002.gbk.txt")
    add("通知/關於加強服務品牌建設.big5.txt", HERE / "text" / "000.trad.big5.txt")
    add("旧系统导出/常建〔2006〕166号.txt", HERE / "text" / "003.gbk.txt", gbk_name=True)
    add("docx/004.docx", HERE / "docx" / "004.docx")
    add("html/003.html", HERE / "html" / "003.html")
    add("pdf/002.pdf", HERE / "pdf" / "002.pdf")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info, data in members:
            z.writestr(info, data)
    (HERE / "notices.zip").write_bytes(buf.getvalue())


PHASES = {"seeds": make_seeds, "text": make_text, "docx": make_docx, "pdf": make_pdf, "scan": make_scan,
          "html": make_html, "zip": make_zip}


def main(argv: list[str]) -> int:
    names = argv or list(PHASES)
    unknown = [n for n in names if n not in PHASES]
    if unknown:
        print(f"unknown phase(s): {', '.join(unknown)}; choose from {', '.join(PHASES)}", file=sys.stderr)
        return 2
    if not (SHARED / "seeds").is_dir():
        print(f"{SHARED}/seeds not found (set DOCPROC_SHARED)", file=sys.stderr)
        return 1
    for n in names:
        PHASES[n]()
        print(f"made {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
