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
    _legend_below(left)
    _legend_below(right, 3)
    return _save(fig, path)


SHORT = {"embedded": "embedded", "postgres-redis": "PG+Redis"}
COLOURS = {"embedded": "tab:blue", "postgres-redis": "tab:orange"}


def end_to_end(result: dict[str, Any], path: Path) -> Path:
    """One panel per workload (latency against offered rate), and the CPU each process spends a
    message in the mix: where the time goes, by process."""
    runs = result["runs"]
    workloads = list(dict.fromkeys(r.get("workload", "general") for r in runs))
    fig, axes = plt.subplots(1, len(workloads) + 1, figsize=(4.6 * (len(workloads) + 1), 4.2), squeeze=False)
    for ax, workload in zip(axes[0], workloads, strict=False):
        for backend in dict.fromkeys(r["backend"] for r in runs):
            rows = [r for r in runs if r.get("workload", "general") == workload and r["backend"] == backend]
            xs = [r["rate"] for r in rows]
            colour = COLOURS.get(backend)
            ax.plot(xs, [r["end_to_end"]["latency_ms"]["p99"] or None for r in rows], marker="o", color=colour,
                    label=f"{SHORT.get(backend, backend)} p99")
            ax.plot(xs, [r["end_to_end"]["latency_ms"]["p50"] or None for r in rows], marker=".", linestyle=":",
                    color=colour, label=f"{SHORT.get(backend, backend)} p50")
        ax.axhline(result["target"]["p99_ms"], color="grey", linestyle="--", label="target p99")
        ax.set(yscale="log", xlabel="offered messages / s", ylabel="callback → send (ms)", title=f"{workload}")
        _legend_below(ax)
    cpu_ax = axes[0][-1]
    shown = [r for r in runs if r.get("workload", "general") == workloads[0]]
    processes = list(dict.fromkeys(k for r in shown for k in r.get("cpu_ms_per_message", {})))
    bottom = [0.0] * len(shown)
    for name in processes:
        values = [r["cpu_ms_per_message"].get(name, 0) for r in shown]
        cpu_ax.bar(range(len(shown)), values, bottom=bottom, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    # Each bar is labelled with its rate only; its backend is written once, above its group.
    cpu_ax.set_xticks(range(len(shown)), [str(r["rate"]) for r in shown])
    # A full sweep has a dozen bars: upright, their three-digit rates ran into each other.
    cpu_ax.tick_params(axis="x", labelrotation=90)
    cpu_ax.set_ylim(0, max(bottom, default=1) * 1.15)
    for backend in dict.fromkeys(r["backend"] for r in shown):
        places = [i for i, r in enumerate(shown) if r["backend"] == backend]
        cpu_ax.text(sum(places) / len(places), 0.97, SHORT.get(backend, backend), ha="center", va="top",
                    transform=cpu_ax.get_xaxis_transform())
        if places[0] > 0:
            cpu_ax.axvline(places[0] - 0.5, color="grey", linewidth=0.8)
    cpu_ax.set(xlabel="offered messages / s", ylabel="CPU ms per message",
               title=f"{workloads[0]}: CPU per message, by process")
    _legend_below(cpu_ax, 3)
    return _save(fig, path)


def side_by_side(result: dict[str, Any], path: Path) -> Path:
    """Left: p50 at a steady rate (WeRoBot's answer is its ack). Right: the burst, when the last
    callback was acknowledged and the last user answered, on each side."""
    bursts = result.get("bursts") or []
    fig, axes = plt.subplots(1, 2 if bursts else 1, figsize=(12 if bursts else 7, 4.2), squeeze=False)
    left = axes[0][0]
    runs = result["runs"]
    series = (("WeRoBot answer (= ack)", "tab:red", lambda r: r["werobot"]["ack_is_answer"]["latency_ms"]["p50"]),
              ("onecard ack", "tab:green", lambda r: r["onecard"]["ack"]["latency_ms"]["p50"]),
              ("onecard answer", "tab:blue", lambda r: r["onecard"]["answer"]["latency_ms"]["p50"]))
    for n, (label, colour, value) in enumerate(series):
        left.bar([i + (n - 1) * 0.27 for i in range(len(runs))], [value(r) or 0 for r in runs], width=0.27,
                 color=colour, label=label)
    left.axhline(5000, color="grey", linestyle="--", label="WeChat's 5 s")
    left.set_xticks(range(len(runs)), [f"{SHORT.get(r['backend'], r['backend'])}\n{r['rate']}/s" for r in runs])
    latency = runs[0]["card_latency_ms"] if runs else "?"
    left.set(yscale="log", ylabel="p50 (ms)", title=f"Balance query at a steady rate, card system +{latency} ms")
    _legend_below(left)
    if bursts:
        right = axes[0][1]
        labels, acked, answered = [], [], []
        for b in bursts:
            for side, shown in (("werobot", "WeRoBot"), ("onecard", "onecard")):
                labels.append(f"{shown}\n{SHORT.get(b['backend'], b['backend'])}")
                acked.append(b[side]["last_ack_s"])
                answered.append(b[side]["last_answer_s"] or 0)
        ys = range(len(labels))
        right.barh([y + 0.2 for y in ys], acked, height=0.4, color="tab:green", label="last acknowledged")
        right.barh([y - 0.2 for y in ys], answered, height=0.4, color="tab:blue", label="last answered")
        right.set_yticks(list(ys), labels)
        right.invert_yaxis()
        first = bursts[0]
        right.set(xlabel="seconds after the burst began",
                  title=f"{first['callbacks']:,} queries, {first['connections']:,} connections")
        _legend_below(right)
    return _save(fig, path)


def scaling(result: dict[str, Any], path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, rows in result["runs"].items():
        xs, ys = [r["processes"] for r in rows], [r["per_s"] or 0 for r in rows]
        ax.plot(xs, ys, marker="o", color=COLOURS.get(name), label=SHORT.get(name, name))
        for x, y, r in zip(xs, ys, rows, strict=True):
            if r.get("rss_mb"):
                ax.annotate(f"{r['rss_mb']:.0f} MB", (x, y), textcoords="offset points", xytext=(4, -12), fontsize=7)
    if "target" in result:
        ax.axhline(result["target"]["one_process_per_s"], color="grey", linestyle="--", label="target, 1 process")
    ax.set(xlabel="query worker processes", ylabel="balance queries / s", xticks=[1, 2, 4], xlim=(0.7, 4.6),
           title=f"Worker scaling, card system +{result.get('card_latency_ms', '?')} ms (RSS per pool)")
    _legend_below(ax, 3)
    return _save(fig, path)


def _legend_below(ax: Any, columns: int = 2) -> None:
    """The legend under the plot, never over a bar or a line (inside, it hid the WeRoBot chart's bars)."""
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=columns, frameon=False)


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
