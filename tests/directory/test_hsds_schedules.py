"""OSM opening hours ↔ HSDS weekly schedule rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from opening_hours import OpeningHours, State

from bot.directory.hsds_schedules import (
    OSM_NOTE_PREFIX,
    expression_of,
    hours_from_rows,
    parse_weekly,
    rows_of,
)
from bot.knowledge.loader import load_knowledge
from tests.conftest import KNOWLEDGE

MONDAY = dt.datetime(2026, 1, 12)  # a week without public holidays


def evaluated(expression: str) -> dict[int, tuple[tuple[int, int], ...]]:
    """The weekly table as the opening_hours package evaluates it (the reference)."""
    table: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for start, end, state, _ in OpeningHours(expression).intervals(
        MONDAY, MONDAY + dt.timedelta(days=7)
    ):
        if state == State.OPEN:
            minutes = (end - start).total_seconds() // 60
            opens = start.hour * 60 + start.minute
            table[start.weekday()].append((opens, int(opens + minutes)))
    return {day: tuple(spans) for day, spans in table.items()}


def as_rows(expression: str) -> list[dict[str, str]]:
    return [
        {"freq": "WEEKLY", "byday": r.byday, "opens_at": r.opens_at, "closes_at": r.closes_at}
        for r in rows_of(parse_weekly(expression).table)
    ]


def test_every_shipped_expression_maps_exactly_and_comes_back() -> None:
    knowledge = load_knowledge(KNOWLEDGE).knowledge
    assert knowledge is not None
    expressions = {o.opening_hours for o in knowledge.offers.values() if o.opening_hours}
    assert len(expressions) > 40
    for expression in expressions:
        hours = parse_weekly(expression)
        assert hours.exact, expression
        if expression != "24/7":
            assert hours.table == evaluated(expression), expression
        back = hours_from_rows(as_rows(expression))
        assert not back.problems
        assert back.expression is not None
        assert parse_weekly(back.expression).table == hours.table, (expression, back.expression)
        assert as_rows(back.expression) == as_rows(expression)


def test_rows_group_days_by_span() -> None:
    rows = as_rows("Mo 09:00-12:00; Tu 13:00-17:00; Th 09:00-12:00,13:00-16:00")
    assert rows == [
        {"freq": "WEEKLY", "byday": "MO,TH", "opens_at": "09:00", "closes_at": "12:00"},
        {"freq": "WEEKLY", "byday": "TU", "opens_at": "13:00", "closes_at": "17:00"},
        {"freq": "WEEKLY", "byday": "TH", "opens_at": "13:00", "closes_at": "16:00"},
    ]
    back = hours_from_rows(rows).expression
    assert back == "Mo 09:00-12:00; Tu 13:00-17:00; Th 09:00-12:00,13:00-16:00"


@pytest.mark.parametrize(
    ("expression", "table"),
    [
        ("24/7", {d: ((0, 1440),) for d in range(7)}),
        (
            "Mo-Fr 09:00-17:00; We 09:00-12:00",
            {
                0: ((540, 1020),),
                1: ((540, 1020),),
                2: ((540, 720),),
                3: ((540, 1020),),
                4: ((540, 1020),),
            },
        ),
        ("Mo-Fr 09:00-17:00; We off", {d: ((540, 1020),) for d in (0, 1, 3, 4)}),
        ("Sa-Mo 10:00-12:00", {d: ((600, 720),) for d in (5, 6, 0)}),
        ("10:00-11:00", {d: ((600, 660),) for d in range(7)}),
        ("Su", {6: ((0, 1440),)}),
    ],
)
def test_weekly_rules(expression: str, table: dict) -> None:
    hours = parse_weekly(expression)
    assert hours.exact and hours.table == table
    assert parse_weekly(expression_of(hours.table) or "").table == table


def test_all_week_is_one_row_and_comes_back_as_24_7() -> None:
    rows = as_rows("24/7")
    assert rows == [
        {
            "freq": "WEEKLY",
            "byday": "MO,TU,WE,TH,FR,SA,SU",
            "opens_at": "00:00",
            "closes_at": "23:59",
        }
    ]
    assert hours_from_rows(rows).expression == "24/7"


def test_what_no_weekly_row_can_hold_is_kept_as_text() -> None:
    hours = parse_weekly('Mo-Fr 09:00-17:00; PH off; Sa 10:00-12:00 "nach Vereinbarung"')
    assert hours.table == {d: ((540, 1020),) for d in range(5)}
    assert hours.leftover == ("PH off", 'Sa 10:00-12:00 "nach Vereinbarung"')
    assert not hours.exact
    original = "Mo-Fr 09:00-17:00; PH off"
    rows = [*as_rows(original), {"description": "PH off", "notes": OSM_NOTE_PREFIX + original}]
    assert hours_from_rows(rows).expression == original


def test_foreign_rows_that_are_not_weekly_are_reported() -> None:
    rows = [
        {"freq": "WEEKLY", "byday": "TH,FR", "opens_at": "10:00:00", "closes_at": "18:00:00"},
        {"freq": "MONTHLY", "byday": "2MO", "opens_at": "10:00", "closes_at": "12:00"},
        {
            "freq": "WEEKLY",
            "byday": "MO",
            "byweekno": "41,42",
            "opens_at": "10:00",
            "closes_at": "12:00",
        },
        {"freq": "WEEKLY", "byday": "XX", "opens_at": "10:00", "closes_at": "12:00"},
        {"freq": "WEEKLY", "byday": "TU", "opens_at": "ten", "closes_at": "12:00"},
        {"description": "Nach Vereinbarung"},
    ]
    result = hours_from_rows(rows)
    assert result.expression == "Th,Fr 10:00-18:00"
    assert [p.index for p in result.problems] == [1, 2, 3, 4, 5]
    assert "MONTHLY" in result.problems[0].message
    assert "byweekno" in result.problems[1].message
    assert result.notes == ["Nach Vereinbarung"]
