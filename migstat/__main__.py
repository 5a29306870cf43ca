"""The ``migstat`` program (also ``python -m migstat``): the CLI's command tree with the demo's
command added.

The demo sits above the CLI (it builds a clearing-house through the API and the analysis), so
the CLI does not import it; this module, above both, joins them.
"""

from __future__ import annotations

from migstat.cli.common import run
from migstat.cli.main import cli
from migstat.demo.command import demo_cmd

cli.add_command(demo_cmd)


def main(argv: list[str] | None = None) -> None:
    """Run ``migstat ARGS`` (``argv``, default the process's arguments)."""
    run(cli, argv)


if __name__ == "__main__":
    main()
