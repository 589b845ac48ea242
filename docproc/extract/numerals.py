"""Small numeral converter for time expressions: Arabic, full-width and Chinese numerals.

Only applied to spans that a regex already matched as a number, so it never has to guess
what is a number. ``〇 ○ O Ｏ 零`` all read as zero.

>>> cn_int("二〇一〇"), cn_int("二○一○"), cn_int("一九九六"), cn_int("2 021"), cn_int("２０２４")
(2010, 2010, 1996, 2021, 2024)
>>> cn_int("十二"), cn_int("二十九"), cn_int("三十一"), cn_int("十"), cn_int("两"), cn_int("一百八十")
(12, 29, 31, 10, 2, 180)
>>> cn_int("2O19"), cn_int("廿五")
(2019, 25)
>>> cn_int("abc") is None
True
"""
from __future__ import annotations

# full-width digits and the letter-O zeros map one character to one character, so a
# translated text keeps every span of the original
WIDTH_TABLE = str.maketrans("０１２３４５６７８９：～－／．", "0123456789:~-/.")

DIGITS = {
    "〇": 0, "○": 0, "O": 0, "o": 0, "Ｏ": 0, "零": 0, "◯": 0, "０": 0,
    "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
for _i in range(10):
    DIGITS[str(_i)] = _i
    DIGITS[chr(0xFF10 + _i)] = _i
UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
SPECIAL = {"廿": 20, "卅": 30}

#: character class of everything :func:`cn_int` reads (for building regexes)
CN_DIGIT_CLASS = "〇○OＯ零◯一二两三四五六七八九"
CN_NUM_CLASS = CN_DIGIT_CLASS + "十百千廿卅"


def cn_int(s: str) -> int | None:
    """Integer value of a numeral string (digits read positionally, or with 十/百/千 units)."""
    if s.isascii() and s.isdigit():  # the common case, without the loops below
        return int(s)
    s = "".join(ch for ch in s if not ch.isspace())
    if not s:
        return None
    if all(ch in DIGITS for ch in s):
        v = 0
        for ch in s:
            v = v * 10 + DIGITS[ch]
        return v
    total, cur = 0, None
    for ch in s:
        if ch in DIGITS:
            cur = (cur or 0) * 10 + DIGITS[ch]
        elif ch in UNITS:
            total += (1 if cur is None else cur) * UNITS[ch]
            cur = None
        elif ch in SPECIAL:
            total += SPECIAL[ch]
            cur = None
        else:
            return None
    return total + (cur or 0)
