"""What a broadcast says: its article as an ANNOUNCEMENT notice. The text is the customer-service
message (plain, short enough for a phone, ending with a link to the whole article); the title, the
time it was published and a short summary fill the account's 通知公告 template when no grant is left.
"""

from __future__ import annotations

from events.notices import Field, Notice, NoticeKind
from store.tables import Article, utcnow
from workers.text.format import page_link
from workers.text.plain import plain_text, shorten
from workers.topics.guide import KINDS

#: A template's `thing` key holds 20 characters: the summary is the body's first words.
SUMMARY_CHARS = 19


def article_path(article_id: int) -> str:
    """The article's page inside WeChat (pages/articles.py)."""
    return f"/m/articles/{article_id}"


def message_of(article: Article, web_url: str = "") -> tuple[str, str]:
    """(title, text) of the push: plain text, short enough for a phone screen, ending with a link to the whole
    article."""
    title = f"{KINDS.get(article.kind, '通知')}：{article.title}"
    return title, f"【{title}】\n{shorten(plain_text(article.body), 300)}" + page_link(
        web_url, article_path(article.id), "阅读全文")


def notice_of(article: Article, web_url: str = "") -> Notice:
    """The notice every recipient of the article's broadcast gets; the template links to the article's page."""
    body = " ".join(plain_text(article.body).split())
    return Notice(NoticeKind.ANNOUNCEMENT, message_of(article, web_url)[1],
                  {Field.TITLE: article.title, Field.TIME: article.published_at or article.created_at or utcnow(),
                   Field.REASON: shorten(body, SUMMARY_CHARS)}, article_path(article.id))
