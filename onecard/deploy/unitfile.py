"""A systemd unit file as text: sections of ordered keys, a key given as often as it has values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Section = Iterable[tuple[str, str | None]]


def render(sections: Mapping[str, Section], header: str = "") -> str:
    """The unit's text. A value of None leaves the key out, so callers list optional keys inline;
    "" is kept: to systemd, `CapabilityBoundingSet=` means none."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    for name, keys in sections.items():
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        lines.extend(f"{key}={value}" for key, value in keys if value is not None)
    return "\n".join(lines) + "\n"
