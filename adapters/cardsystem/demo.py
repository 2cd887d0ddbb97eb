"""Demo card holders the simulator starts with (and `make run` shows)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DemoHolder:
    student_no: str
    name: str
    phone: str
    card_no: str
    balance_fen: int
    status: str = "normal"


DEMO_HOLDERS: tuple[DemoHolder, ...] = (
    DemoHolder("20240001", "张三", "13800000001", "6100100001", 10000),
    DemoHolder("20240002", "李四", "13800000002", "6100100002", 5230),
    DemoHolder("20240003", "王五", "13800000003", "6100100003", 880),
    DemoHolder("20240004", "赵六", "13800000004", "6100100004", 0),
    DemoHolder("T0001", "陈老师", "13900000001", "6100900001", 32015),
)
