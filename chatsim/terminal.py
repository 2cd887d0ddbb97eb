"""`onecard chat`: the chat simulator in a terminal. Type a line, the answers print as they come.

The same client as the page: signed callbacks to the ingress, answers read from what the WeChat
API simulator received, SMS read from the sink. Lines starting with `/` are the phone's buttons.
A template message prints as a boxed card, and a send WeChat refused as a grey-line note.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable
from typing import Any, TextIO

from chatsim.client import ChatClient, Delivery, new_openid
from chatsim.menu import phone_menu
from chatsim.refusals import refusal_note
from chatsim.textcard import card_lines

HELP = ("Type a message and press Enter. /menu lists the menu, /click KEY|NUMBER|NAME presses a button, "
        "/follow and /unfollow, /help, /quit.")


class TerminalChat:
    """One follower in a terminal; prints what the account sends it and every new SMS."""

    def __init__(self, client: ChatClient, openid: str, out: TextIO) -> None:
        self.client = client
        self.openid = openid
        self.out = out
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.last_activity = time.monotonic()

    def print(self, text: str) -> None:
        with self.lock:
            self.out.write(text + "\n")
            self.out.flush()
            self.last_activity = time.monotonic()

    # -- what arrives ---------------------------------------------------------------------------
    def _watch_messages(self, after: int) -> None:
        while not self.stop.is_set():
            try:
                found = self.client.received(self.openid, after, wait=2.0)
            except Exception as exc:
                self.print(f"!! cannot read the WeChat API simulator: {type(exc).__name__}")
                self.stop.wait(2.0)
                continue
            for message in found:
                after = max(after, int(message["seq"]))
                self.print(self.shown(message))

    def shown(self, message: dict[str, Any]) -> str:
        """One `/_sim/messages` entry as printed: a template message as its card, the rest as text."""
        head = f"« {self.client.config.account_name}: "
        if message.get("template"):
            card = card_lines(message["template"], message["at"])
            return head + "服务通知\n" + "\n".join(f"    {line}" for line in card)
        content = message["content"] if message["msgtype"] == "text" else f"[{message['msgtype']}] " \
            f"{message['content']}"
        return head + content.replace("\n", "\n    ")

    def _watch_refusals(self, after: int) -> None:
        while not self.stop.wait(0.5):
            try:
                found = self.client.refusals(self.openid, after)
            except Exception:  # the message watcher already says the simulator is away
                continue
            for refusal in found:
                after = max(after, int(refusal["seq"]))
                self.print(f"  — {refusal_note(refusal)} —")

    def _watch_sms(self, after: int) -> None:
        while not self.stop.wait(0.3):
            for line in self.client.sms(after):
                after = line["n"]
                self.print(f"[SMS to {line['phone']}] {line['text']}")

    # -- what the follower does ----------------------------------------------------------------
    def _sent(self, what: str, delivery: Delivery) -> None:
        self.last_activity = time.monotonic()
        if not delivery.accepted:
            self.print(f"!! {what}: the ingress answered {delivery.status} {delivery.answer}")

    def menu(self) -> list[dict[str, Any]]:
        try:
            pushed = self.client.pushed_menu()
        except Exception:
            pushed = None
        flat: list[dict[str, Any]] = []
        for button in phone_menu(pushed):
            flat.extend(button.get("sub_button") or [button])
        return flat

    def click(self, which: str) -> None:
        buttons = self.menu()
        chosen = next((b for n, b in enumerate(buttons, 1) if which in (str(n), b.get("key"), b.get("name"))), None)
        if chosen is None or chosen.get("type") not in ("click", "view"):
            self.print(f"!! no such menu button: {which} (see /menu)")
            return
        if chosen["type"] == "view":
            self._sent("view", self.client.event(self.openid, "VIEW", chosen["url"]))
            self.print(f"(opens {chosen['url']})")
        else:
            self._sent("click", self.client.event(self.openid, "CLICK", chosen["key"]))

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the follower wants to leave."""
        line = line.strip()
        if not line:
            return True
        command, _, arg = line.partition(" ")
        if command in ("/quit", "/exit"):
            return False
        if command == "/help":
            self.print(HELP)
        elif command == "/menu":
            for n, b in enumerate(self.menu(), 1):
                self.print(f"  {n}. {b.get('name')}  ({b.get('key') or b.get('url') or b.get('type')})")
        elif command == "/click":
            self.click(arg.strip())
        elif command == "/follow":
            self._sent("follow", self.client.event(self.openid, "subscribe"))
        elif command == "/unfollow":
            self._sent("unfollow", self.client.event(self.openid, "unsubscribe"))
        else:
            self._sent("message", self.client.say(self.openid, line))
        return True

    def _last_refusal(self) -> int:
        return max((int(r["seq"]) for r in self.client.refusals(self.openid)), default=0)

    def run(self, lines: Iterable[str], *, follow: bool, linger: float) -> int:
        """Chat until /quit or the end of input, then wait until `linger` s pass without news."""
        threads = [threading.Thread(target=self._watch_messages, args=(self.client.last_seq(self.openid),),
                                    daemon=True),
                   threading.Thread(target=self._watch_refusals, args=(self._last_refusal(),), daemon=True),
                   threading.Thread(target=self._watch_sms, args=(len(self.client.sms()),), daemon=True)]
        for thread in threads:
            thread.start()
        if follow:
            self._sent("follow", self.client.event(self.openid, "subscribe"))
        try:
            for line in lines:
                if not self.handle(line):
                    return 0
            while time.monotonic() - self.last_activity < linger:
                time.sleep(0.1)
            return 0
        except KeyboardInterrupt:
            return 0
        finally:
            self.stop.set()


def _input_lines(prompt: str) -> Iterable[str]:
    """Lines from the keyboard (with a prompt) or from a pipe."""
    if not sys.stdin.isatty():
        yield from sys.stdin
        return
    while True:
        try:
            yield input(prompt)
        except EOFError:
            return


def chat(client: ChatClient, openid: str | None, *, linger: float = 3.0) -> int:
    follow = openid is None
    openid = openid or new_openid()
    mode = "safe mode (AES)" if client.config.safe_mode else "plain mode"
    session = TerminalChat(client, openid, sys.stdout)
    session.print(f"Chatting with {client.config.account_name} as {openid}; callbacks to "
                  f"{client.config.callback_url} ({mode}).\nSMS from {client.config.sms_sink}. {HELP}")
    return session.run(_input_lines("» "), follow=follow, linger=linger)

