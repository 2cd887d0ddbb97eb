"""What is offered for a fee the school sets, decided without a database: every kind, every way to type it."""

from __future__ import annotations

import pytest

from adapters.fees.port import Due
from events.money_kinds import BY_CODE, Kind
from workers.money.fees_due import Offer, offer

LIBRARY, PHOTO, EXAM = BY_CODE["library"], BY_CODE["photo"], BY_CODE["exam"]
FINES = [Due("20240001", "《数据结构》逾期 5 天", 250), Due("20240001", "《线性代数》逾期 2 天", 100)]
PHOTO_FEE = [Due("20240001", "2026 级图像采集", 2000)]
EXAMS = [Due("CET4", "大学英语四级（CET4）", 3000), Due("CET6", "大学英语六级（CET6）", 3000)]


def test_library_fines_without_an_amount_offer_the_total_after_the_bills() -> None:
    proposal = offer(LIBRARY, FINES, "")
    assert isinstance(proposal, Offer) and (proposal.target, proposal.amount_fen) == ("20240001", 350)
    assert proposal.head.startswith("您有 2 笔图书欠费，共 3.50 元：\n· 《数据结构》逾期 5 天 2.50 元")


@pytest.mark.parametrize(("typed", "fen"), [("2", 200), ("3.5", 350), ("0.01", 1)])
def test_part_of_the_library_fines_or_all_of_them_is_accepted(typed: str, fen: int) -> None:
    proposal = offer(LIBRARY, FINES, typed)
    assert isinstance(proposal, Offer) and proposal.amount_fen == fen


def test_more_than_the_library_fines_is_refused() -> None:
    assert str(offer(LIBRARY, FINES, "5")).endswith(
        "缴纳金额 5.00 元不对：不能超过欠费总额。未发生任何扣款。发送“图书欠费”按应缴金额缴纳。")


@pytest.mark.parametrize("typed", ["20", "20.00", "¥20", "20元"])
def test_a_photo_fee_typed_exactly_as_due_is_accepted(typed: str) -> None:
    proposal = offer(PHOTO, PHOTO_FEE, typed)
    assert isinstance(proposal, Offer) and (proposal.amount_fen, proposal.head) == (2000, "您的图像采集费为 20.00 元。")


@pytest.mark.parametrize("typed", ["5", "19.99", "20.01", "30"])
def test_a_photo_fee_other_than_what_is_due_is_refused(typed: str) -> None:
    said = offer(PHOTO, PHOTO_FEE, typed)
    assert isinstance(said, str) and said.startswith("您的图像采集费为 20.00 元。\n缴纳金额")
    assert "应与应缴金额一致" in said and "未发生任何扣款" in said


def test_an_amount_that_is_not_one_is_refused_in_the_students_words() -> None:
    said = offer(PHOTO, PHOTO_FEE, "二十")
    assert isinstance(said, str) and said.startswith("金额“二十”无法识别") and said.endswith("未发生任何扣款。")


def test_one_exam_is_offered_at_its_fixed_fee() -> None:
    proposal = offer(EXAM, EXAMS[:1], "")
    assert isinstance(proposal, Offer) and (proposal.target, proposal.amount_fen) == ("CET4", 3000)


def test_two_exams_are_listed_and_one_is_chosen_by_its_code() -> None:
    listing = offer(EXAM, EXAMS, "")
    assert isinstance(listing, str) and listing.startswith("您报名了 2 项考试：") and "外语考试费 CET6" in listing
    proposal = offer(EXAM, EXAMS, "cet6")
    assert isinstance(proposal, Offer) and (proposal.target, proposal.amount_fen) == ("CET6", 3000)
    exact = offer(EXAM, EXAMS, "CET6 30")
    assert isinstance(exact, Offer) and exact.amount_fen == 3000


def test_an_exam_not_registered_or_a_wrong_exam_fee_is_refused() -> None:
    assert str(offer(EXAM, EXAMS, "TOEFL")).startswith("您没有待缴费的 TOEFL 考试。")
    assert "缴纳金额 20.00 元不对，未发生任何扣款。" in str(offer(EXAM, EXAMS, "CET6 20"))


@pytest.mark.parametrize("kind", [LIBRARY, PHOTO, EXAM])
def test_nothing_due_says_so(kind: Kind) -> None:
    assert offer(kind, [], "20") == f"您目前没有需要缴纳的{kind.name}。"
