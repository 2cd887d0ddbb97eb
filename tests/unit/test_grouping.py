"""The worker threads' group commit: what threads hand in meanwhile runs together, each gets its own."""

from __future__ import annotations

import threading

import pytest

from workers.runtime.grouping import GroupRunner


class Held:
    """A group run that records each group and holds the first until the others have handed in."""

    def __init__(self) -> None:
        self.groups: list[list[int]] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, items: list[int]) -> list[int]:
        self.groups.append(items)
        self.started.set()
        self.release.wait(10)
        return [i * 10 for i in items]


def _run_while_held(runner: GroupRunner[int, int], held: Held, handed: list[list[int]]) -> list[list[int]]:
    """Thread 0 starts a group and is held in it while threads 1..n hand their items in."""
    results: list[list[int]] = [[] for _ in handed]

    def call(n: int) -> None:
        results[n] = runner(handed[n])

    first = threading.Thread(target=call, args=(0,))
    first.start()
    held.started.wait(10)
    others = [threading.Thread(target=call, args=(n,)) for n in range(1, len(handed))]
    for t in others:
        t.start()
    while len(runner._waiting) < len(others):  # every other thread is waiting for the next group
        threading.Event().wait(0.005)
    held.release.set()
    for t in [first, *others]:
        t.join(timeout=10)
    return results


def test_items_handed_in_while_a_group_runs_make_the_next_group_and_each_gets_its_own() -> None:
    held = Held()
    runner: GroupRunner[int, int] = GroupRunner(held)
    handed = [[1], [2, 3], [4], [5, 6, 7]]

    results = _run_while_held(runner, held, handed)

    assert results == [[10], [20, 30], [40], [50, 60, 70]]
    assert held.groups[0] == [1] and sorted(held.groups[1]) == [2, 3, 4, 5, 6, 7] and len(held.groups) == 2


def test_a_group_never_exceeds_its_size_unless_one_hand_in_alone_does() -> None:
    held = Held()
    runner: GroupRunner[int, int] = GroupRunner(held, max_items=3)
    handed = [[0], [1, 2], [3, 4], [5, 6, 7, 8]]

    results = _run_while_held(runner, held, handed)

    assert results == [[i * 10 for i in items] for items in handed]
    assert all(len(g) <= 3 or sorted(g) == [5, 6, 7, 8] for g in held.groups)  # a hand-in is never split
    assert sorted(i for g in held.groups for i in g) == list(range(9)) and len(held.groups) >= 3


def test_a_group_that_fails_fails_every_thread_in_it_and_the_runner_goes_on() -> None:
    calls = 0

    def run(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database went away")
        return items

    runner: GroupRunner[int, int] = GroupRunner(run)
    with pytest.raises(RuntimeError, match="went away"):
        runner([1])
    assert runner([2]) == [2]



def test_concurrent_groups_run_side_by_side() -> None:
    inside, both_in = [0], threading.Event()
    lock = threading.Lock()

    def run(items: list[int]) -> list[int]:
        with lock:
            inside[0] += 1
            if inside[0] == 2:
                both_in.set()
        both_in.wait(10)  # the first group waits (as on the card system) until a second one runs beside it
        return items

    runner: GroupRunner[int, int] = GroupRunner(run, concurrent=2)
    threads = [threading.Thread(target=runner, args=([n],)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert both_in.is_set()


def test_a_lingering_group_gathers_what_is_handed_in_meanwhile() -> None:
    groups: list[list[int]] = []

    def run(items: list[int]) -> list[int]:
        groups.append(items)
        return items

    runner: GroupRunner[int, int] = GroupRunner(run, linger=0.3)
    results: list[list[int]] = [[] for _ in range(3)]

    def call(n: int) -> None:
        results[n] = runner([n])

    threads = [threading.Thread(target=call, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert results == [[0], [1], [2]] and sorted(groups[0]) == [0, 1, 2] and len(groups) == 1
