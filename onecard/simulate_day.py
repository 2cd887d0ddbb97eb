"""`onecard simulate-day --holders N --speed X`: a campus day replayed against the card system
simulator, whose webhook delivers each transaction to onecard as a real card system would.

At `--speed 60` a day (06:00–24:00) takes 18 minutes; the lunch peak is its busiest part. Holders
`SIM000001…` are added to the simulator with 200 yuan each (bind one in the chat simulator to see
its alerts).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from adapters.cardsystem.simulator.campus_day import plan
from events.card_events import wire_amount


def holders(count: int) -> list[str]:
    return [f"SIM{n:06d}" for n in range(1, count + 1)]


def simulate_day(simulator_url: str, *, holders_count: int, speed: float) -> dict[str, int]:
    """Add the holders, then swipe at the planned times (scaled by `speed`); counts of outcomes."""
    base = simulator_url.rstrip("/") + "/card"
    students = holders(holders_count)
    for start in range(0, len(students), 1000):
        requests.post(f"{base}/_sim/holders", timeout=60, json=[
            {"student_no": no, "name": f"模拟{no[-4:]}", "phone": f"137{no[-8:]}", "card_no": f"62{no[-8:]}",
             "balance_fen": 20000} for no in students[start:start + 1000]]).raise_for_status()
    outcomes = {"swiped": 0, "refused": 0}
    counting = threading.Lock()
    session = requests.Session()
    started = time.monotonic()

    def swipe(student_no: str, fen: int, merchant: str, terminal: str) -> None:
        answer = session.post(f"{base}/_swipe", timeout=10, json={
            "student_no": student_no, "amount": wire_amount(fen), "merchant": merchant, "terminal": terminal})
        with counting:
            outcomes["swiped" if answer.status_code == 200 else "refused"] += 1

    with ThreadPoolExecutor(max_workers=16) as pool:
        for item in plan(students):
            wait = item.at / speed - (time.monotonic() - started)
            if wait > 0:
                time.sleep(wait)
            pool.submit(swipe, item.student_no, item.fen, item.merchant, item.terminal)
    return outcomes
