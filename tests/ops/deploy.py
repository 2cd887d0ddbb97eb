"""Running `onecard deploy …` and `onecard backup` as an admin would, in the test's own process."""

from __future__ import annotations

from onecard.cli import parser


def onecard(*argv: str) -> int:
    """The command's exit code (main() is not called: it would set this process's umask)."""
    args = parser().parse_args(argv)
    return int(args.func(args) or 0)
