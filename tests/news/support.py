"""Asking for a borough's meeting news the way a person does: the form, then the email's link."""

from __future__ import annotations

from tests.helpers import Browser
from tests.mailbox import links

NEWS = "/boroughs/{}/meeting-news"


def ask(browser: Browser, email: str, name: str = "", borough: str = "camden"):
    return browser.submit(NEWS.format(borough), {"name": name, "email": email})


def link_in(message, part: str) -> str:
    return next(link for link in links(message) if part in link)


def subscribe(app, mailbox, run_tasks, email: str, name: str = "", borough: str = "camden",
              confirm: bool = True) -> None:
    """Ask for the news, and (unless told not to) follow the confirmation link."""
    browser = Browser(app)
    assert ask(browser, email, name, borough).status_code == 200
    run_tasks()
    if confirm:
        link = link_in(mailbox.to(email)[-1], "/meeting-news/confirm/")
        assert browser.submit(link, {}).status_code == 200
