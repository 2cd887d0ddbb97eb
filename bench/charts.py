"""PNG charts from the report: one figure per benchmark that has something to draw.

matplotlib (the `bench` extra) with the Agg backend: no display needed. A benchmark whose result
is missing or failed is simply not drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _result(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    outcome = report.get("benchmarks", {}).get(name) or {}
    return outcome.get("result") if outcome.get("ok") else None


def ingress(result: dict[str, Any], path: Path) -> Path:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for run, colour in zip(result["runs"], ("tab:blue", "tab:orange", "tab:green"), strict=False):
        xs = [row["concurrency"] for row in run["levels"]]
        left.plot(xs, [row["acks_per_s"] for row in run["levels"]], marker="o", color=colour, label=run["backend"])
        right.plot(xs, [row["latency_ms"]["p99"] for row in run["levels"]], marker="o", color=colour,
                   label=f"{run['backend']} p99")
        right.plot(xs, [row["latency_ms"]["p50"] for row in run["levels"]], marker=".", linestyle=":", color=colour,
                   label=f"{run['backend']} p50")
    left.axhline(result["target"]["acks_per_s"], color="grey", linestyle="--", label="target")
    right.axhline(result["target"]["p99_ms"], color="grey", linestyle="--", label="target p99")
    left.set(xscale="log", xlabel="concurrent callers", ylabel="callbacks acknowledged / s", title="Ingress throughput")
    right.set(xscale="log", yscale="log", xlabel="concurrent callers", ylabel="ack latency (ms)", title="Ack latency")
    left.legend()
    right.legend(fontsize=7)
    return _save(fig, path)


def end_to_end(result: dict[str, Any], path: Path) -> Path:
    short = {"embedded": "embedded", "postgres-redis": "PG+Redis"}
    labels = [f"{short.get(r['backend'], r['backend'])}\n{r['rate']}/s" for r in result["runs"]]
    fig, ax = plt.subplots(figsize=(max(7.0, 0.9 * len(labels)), 4))
    for q, offset in (("p50", -0.25), ("p95", 0), ("p99", 0.25)):
        ax.bar([i + offset for i in range(len(labels))],
               [r["end_to_end"]["latency_ms"][q] or 0 for r in result["runs"]], width=0.25, label=q)
    ax.axhline(result["target"]["p99_ms"], color="grey", linestyle="--", label="target p99")
    ax.set_xticks(range(len(labels)), labels)
    ax.set(yscale="log", ylabel="callback → customer-service send (ms)", title="End to end at a fixed offered rate")
    ax.legend()
    return _save(fig, path)


def side_by_side(result: dict[str, Any], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(8, 4))
    labels, values = [], []
    for run in result["runs"]:
        tag = f"{run['backend']} {run['rate']}/s"
        labels += ["WeRoBot ack\n(= answer)", f"onecard ack\n{tag}", f"onecard answer\n{tag}"]
        values += [run["werobot"]["ack_is_answer"]["latency_ms"]["p50"], run["onecard"]["ack"]["latency_ms"]["p50"],
                   run["onecard"]["answer"]["latency_ms"]["p50"]]
    colours = ["tab:red", "tab:green", "tab:blue"] * len(result["runs"])
    ax.bar(range(len(labels)), [v or 0 for v in values], color=colours)
    ax.axhline(5000, color="grey", linestyle="--", label="WeChat's 5 s")
    ax.set_xticks(range(len(labels)), labels, fontsize=7)
    latency = result["runs"][0]["card_latency_ms"]
    ax.set(yscale="log", ylabel="p50 (ms)", title=f"Balance query, card system +{latency} ms")
    ax.legend()
    return _save(fig, path)


def scaling(result: dict[str, Any], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, rows in result["runs"].items():
        ax.plot([r["processes"] for r in rows], [r["per_s"] or 0 for r in rows], marker="o", label=name)
    ax.set(xlabel="query worker processes", ylabel="balance queries / s", title="Worker scaling", xticks=[1, 2, 4])
    ax.legend()
    return _save(fig, path)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


CHARTS = {"bench_ingress": ingress, "bench_e2e": end_to_end, "bench_werobot": side_by_side, "bench_scaling": scaling}


def draw(report: dict[str, Any], results_dir: Path) -> list[Path]:
    drawn = []
    for name, chart in CHARTS.items():
        result = _result(report, name)
        if result is None:
            continue
        try:
            drawn.append(chart(result, results_dir / f"{name.removeprefix('bench_')}.png"))
        except (KeyError, TypeError, IndexError) as exc:  # a malformed result must not lose the report
            print(f"chart {name} not drawn: {exc!r}")
    return drawn
