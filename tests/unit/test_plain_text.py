"""An article pasted from a web page or Word reaches WeChat as clean text (issue 15)."""

from __future__ import annotations

from datetime import UTC, datetime

from store.tables import Article
from workers.delivery.broadcast.announcement import message_of
from workers.text.plain import plain_text


def test_markup_entities_and_crlf_become_plain_lines() -> None:
    body = ("<p>寒假&nbsp;安排</p>\r\n<p>周二<b>开放</b><br>周四开放</p>"
            "<ul><li>一食堂</li><li>二食堂</li></ul>\r\n\r\n\r\n末尾")
    assert plain_text(body) == "寒假 安排\n\n周二开放\n周四开放\n· 一食堂\n· 二食堂\n\n末尾"


def test_scripts_and_styles_are_dropped_with_their_content() -> None:
    assert plain_text("<style>p{color:red}</style>通知<script>alert(1)</script>") == "通知"


def test_plain_text_is_left_as_it_was() -> None:
    assert plain_text("余额 < 10 元请充值\n谢谢") == "余额 < 10 元请充值\n谢谢"
    assert plain_text("1 < 2 且 3 > 2") == "1 < 2 且 3 > 2"


def test_a_pushed_article_carries_no_html_and_no_carriage_return() -> None:
    article = Article(kind="announcement", title="停水", body="<p>明日&amp;后日</p>\r\n<p>停水</p>",
                      status="published", created_at=datetime.now(UTC))
    title, text = message_of(article)
    assert title == "公告：停水" and text == "【公告：停水】\n明日&后日\n\n停水"
    assert "<" not in text and "\r" not in text
