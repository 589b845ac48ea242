"""Time expressions of notices → typed values with source spans. (placeholder: to be implemented)"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class TimeExpr:
    kind: str                      # point | range | deadline | recurring | relative
    text: str                      # the phrase as it stands in the text
    span: tuple[int, int]          # [start, end) in the text
    start: date | None = None      # first day (point, range, window of a month…)
    end: date | None = None        # last day / due day (point: same as start)
    grain: str = "day"             # day | xun | month | quarter | half | year | time
    time_of_day: str | None = None # "18:00"
    year_explicit: bool = True     # False when the year was resolved from context
    recurrence: str | None = None  # yearly | monthly | weekly | daily
    relative: str | None = None    # e.g. "3天内", "10个工作日内"
    rule: str = ""                 # which rule matched


def find_times(text: str, ref: date | None = None, masks=()) -> list[TimeExpr]:
    return []


def parse_date(phrase: str) -> date | None:
    return None
