"""``docproc eval GOLD_DIR``: run the pipeline on each gold file's input and score it, GROBID-style.

The scoring is this project's own copy of ``shared/eval/score.py`` (same normalisation, same matching, same
table); ``tests/test_eval.py`` checks that both give the same numbers on the same predictions.

>>> p = PRF(); p.add(["国务院办公厅"], ["国务院办公厅", "中央军委办公厅"]); [round(x, 3) for x in p.row()[:3]]
[0.5, 1.0, 0.667]
>>> docno("劳社部发[2008]3号"), unit("省工业和信息化厅牵头"), soft("关于“无废城市”的通知")
('劳社部发〔2008〕3号', '省工业和信息化厅', '关于无废城市的通知')
"""
from __future__ import annotations

import json
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

BRACKETS = str.maketrans({'[': '〔', ']': '〕', '［': '〔', '］': '〕', '(': '〔', ')': '〕', '（': '〔', '）': '〕',
                          '【': '〔', '】': '〕', '﹝': '〔', '﹞': '〕', '〖': '〔', '〗': '〕'})
PUNCT = re.compile(r'[\s\u3000，。、；：？！“”‘’"\'（）()《》〈〉【】\[\]〔〕,.;:!?·—\-…]')
ROLE = re.compile(r'(牵头|负责|配合|参与|等部门|等单位|等)$')
FIELDS = ['doc_number', 'title', 'title_soft', 'doc_type', 'signed_date', 'issuers', 'recipients', 'attachments',
          'task', 'task_due', 'task_window', 'task_owners']


def ws(s):
    return re.sub(r'\s+', '', unicodedata.normalize('NFKC', s or ''))


def soft(s):
    return PUNCT.sub('', unicodedata.normalize('NFKC', s or ''))


def unit(s):
    s = soft(s)
    while True:
        t = ROLE.sub('', s)
        if t == s:
            return s
        s = t


def docno(s):
    return ws(s).translate(BRACKETS) if s else None


def get(d, path, default=None):
    for k in path.split('.'):
        if not isinstance(d, dict):
            return default
        d = d.get(k)
    return default if d is None else d


def as_list(x):
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    out = []
    for v in x:
        if isinstance(v, dict):
            v = v.get('name') or v.get('text') or v.get('value') or ''
        out.append(v)
    return out


def as_date(x):
    if isinstance(x, dict):
        x = x.get('iso') or x.get('value') or x.get('date')
    if not x:
        return None
    m = re.match(r'(\d{4})-(\d{2})-(\d{2})', str(x))
    return m.group(0) if m else None


def bigrams(s):
    s = soft(s)
    return Counter(s[i:i + 2] for i in range(len(s) - 1)) if len(s) > 1 else Counter([s])


def overlap(a, b):
    A, B = bigrams(a), bigrams(b)
    if not A or not B:
        return 0.0
    return sum((A & B).values()) / min(sum(A.values()), sum(B.values()))


class PRF:
    def __init__(self):
        self.tp = self.fp = self.fn = 0

    def add(self, gold, pred):
        g, p = Counter(gold), Counter(pred)
        tp = sum((g & p).values())
        self.tp += tp
        self.fp += sum(p.values()) - tp
        self.fn += sum(g.values()) - tp

    def row(self):
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else (1.0 if not self.fn else 0.0)
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else (1.0 if not self.fp else 0.0)
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f, self.tp + self.fn


def task_fields(t):
    return {
        'content': t.get('content') or t.get('title') or t.get('text') or '',
        'stage': t.get('stage') or '',
        'owners': [unit(o) for o in as_list(t.get('owners')) + as_list(t.get('lead')) if unit(o)],
        'start': as_date(t.get('start')),
        'due': as_date(t.get('due')),
    }


def match_tasks(gold, pred):
    pairs = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            c = max(overlap(g['content'], p['content']), overlap(g['content'], (p['stage'] or '') + p['content']))
            same_due = g['due'] is not None and g['due'] == p['due']
            if c >= 0.5 or (same_due and c >= 0.25):
                pairs.append((c + (0.5 if same_due else 0), i, j))
    pairs.sort(reverse=True)
    used_g, used_p, out = set(), set(), []
    for _, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            out.append((gold[i], pred[j]))
    return out


def _str_or_none(x):
    return x if isinstance(x, str) else None


def score_one(fields, g: dict, p: dict) -> tuple[dict, int, int, float | None]:
    """Add one document to ``fields``; return (row, matched, owner_exact, macro F1 or None)."""
    gn, pn = g.get('notice', {}), p.get('notice', {}) or {}
    row = {}

    def one(name, gv, pv):
        fields[name].add([gv] if gv else [], [pv] if pv else [])
        row[name] = (gv == pv) if gv or pv else None

    one('doc_number', docno(gn.get('doc_number')),
        docno(get(pn, 'doc_number.canonical') or _str_or_none(pn.get('doc_number'))))
    ptitle = get(pn, 'title.text') or (pn.get('title') if isinstance(pn.get('title'), str) else '')
    one('title', ws(gn.get('title')) or None, ws(ptitle) or None)
    one('title_soft', soft(gn.get('title')) or None, soft(ptitle) or None)
    one('doc_type', gn.get('doc_type'), pn.get('doc_type'))
    one('signed_date', as_date(gn.get('signed_date')), as_date(pn.get('signed_date')))
    for name in ['issuers', 'recipients', 'attachments']:
        gv = [unit(x) for x in as_list(gn.get(name))]
        pv = [unit(x) for x in as_list(pn.get(name) if name != 'issuers' else (pn.get('issuers') or pn.get('issuer')))]
        fields[name].add([x for x in gv if x], [x for x in pv if x])
    gt = [task_fields(t) for t in g.get('tasks', [])]
    pt = [task_fields(t) for t in (p.get('tasks') or [])]
    m = match_tasks(gt, pt)
    fields['task'].tp += len(m)
    fields['task'].fp += len(pt) - len(m)
    fields['task'].fn += len(gt) - len(m)
    fields['task_due'].add([t['due'] for t in gt if t['due']], [t['due'] for t in pt if t['due']])
    fields['task_window'].add([(t['start'], t['due']) for t in gt if t['start']],
                              [(t['start'], t['due']) for t in pt if t['start']])
    fields['task_owners'].add(sorted({o for t in gt for o in t['owners']}), sorted({o for t in pt for o in t['owners']}))
    exact = sum(set(a['owners']) == set(b['owners']) for a, b in m)
    macro = None
    if gt or pt:
        pr = len(m) / len(pt) if pt else 0.0
        rc = len(m) / len(gt) if gt else 0.0
        macro = 2 * pr * rc / (pr + rc) if pr + rc else 0.0
    row['tasks'] = f'{len(m)}/{len(gt)} matched, {len(pt)} predicted'
    return row, len(m), exact, macro


def score(gold_dir, pred_dir, only=None):
    """(table, per_doc) exactly as ``shared/eval/score.py`` computes them."""
    fields = {k: PRF() for k in FIELDS}
    matched_owner_exact = matched = 0
    per_doc, macro = {}, []
    for gp in sorted(Path(gold_dir).glob('*.json')):
        gid = gp.stem
        if only and gid not in only:
            continue
        g = json.loads(gp.read_text(encoding='utf-8'))
        pp = Path(pred_dir) / f'{gid}.json'
        try:
            p = json.loads(pp.read_text(encoding='utf-8')) if pp.exists() else {}
        except ValueError:
            p = {}
        row, mt, ex, mac = score_one(fields, g, p)
        matched += mt
        matched_owner_exact += ex
        if mac is not None:
            macro.append(mac)
        per_doc[gid] = row
    table = {k: v.row() for k, v in fields.items()}
    table['owner_exact_on_matched'] = (matched_owner_exact / matched if matched else 0.0, None, None, matched)
    table['task_macro_f1'] = (sum(macro) / len(macro) if macro else 0.0, None, None, len(macro))
    return table, per_doc


def format_table(table, per_doc=None) -> str:
    lines = []
    if per_doc is not None:
        for gid, row in per_doc.items():
            bad = [k for k, v in row.items() if v is False]
            lines.append(f'{gid:14} {row["tasks"]:32} wrong: {" ".join(bad)}')
        lines.append('')
    lines.append(f'{"field":24} {"P":>6} {"R":>6} {"F1":>6} {"n":>5}')
    for k, (p, r, f, n) in table.items():
        if r is None:
            lines.append(f'{k:24} {p:6.3f} {"":>6} {"":>6} {n:5}')
        else:
            lines.append(f'{k:24} {p:6.3f} {r:6.3f} {f:6.3f} {n:5}')
    return '\n'.join(lines)


def predict(gold_dir: Path, base: Path, pred_dir: Path, settings=None) -> int:
    """Write ``pred_dir/<id>.json`` for every gold file; return the number of inputs that failed."""
    from .pipeline import process

    failed = 0
    pred_dir.mkdir(parents=True, exist_ok=True)
    for gp in sorted(Path(gold_dir).glob('*.json')):
        try:
            g = json.loads(gp.read_text(encoding='utf-8'))
        except ValueError as e:
            print(f'docproc: {gp}: unreadable gold file: {e}', file=sys.stderr)
            continue
        inp = g.get('input') or g.get('source')
        out = pred_dir / f'{gp.stem}.json'
        if not inp:
            print(f'docproc: {gp.name}: no input path', file=sys.stderr)
            out.write_text('{}', encoding='utf-8')
            failed += 1
            continue
        path = Path(base) / inp
        try:
            doc = process(path, settings)
            out.write_text(json.dumps(doc.to_dict(), ensure_ascii=False, indent=1), encoding='utf-8')
        except Exception as e:  # a failed input counts as an empty prediction
            failed += 1
            code = getattr(e, 'code', type(e).__name__)
            print(f'docproc: {gp.stem}: {path}: {code}: {e}', file=sys.stderr)
            out.write_text('{}', encoding='utf-8')
    return failed


def run_eval(gold_dir, base=None, pred_dir=None, quiet: bool = False, settings=None) -> int:
    """Predict and score; print the per-field table (and per-document misses unless ``quiet``).

    Exit code: 0, or 1 when some input failed (it was scored as an empty prediction), 2 when no gold file.
    """
    gold_dir = Path(gold_dir)
    golds = sorted(gold_dir.glob('*.json'))
    if not golds:
        print(f'docproc: {gold_dir}: no gold <id>.json files', file=sys.stderr)
        return 2
    base = Path(base) if base else gold_dir.resolve().parent
    with tempfile.TemporaryDirectory(prefix='docproc-eval-') as tmp:
        out = Path(pred_dir) if pred_dir else Path(tmp)
        failed = predict(gold_dir, base, out, settings)
        table, per_doc = score(gold_dir, out)
    print(format_table(table, None if quiet else per_doc))
    return 1 if failed else 0
