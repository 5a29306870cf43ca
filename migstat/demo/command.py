"""``migstat demo``: the demo's command.

It lives with the demo, not in :mod:`migstat.cli`, because the demo sits above the CLI: the CLI
never imports the demo. :mod:`migstat.__main__`, the ``migstat`` program, adds this command to
the CLI's command tree.
"""

from __future__ import annotations

from pathlib import Path

import click

from migstat.cli.common import Context, lang_option, pass_ctx


@click.command("demo")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the published data (default: ../shared/data).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo store, questionnaires and returned workbooks.",
)
@click.option(
    "--renew-embargo",
    is_flag=True,
    help="Build nothing: in the demo store (--db), move the demo's embargo three days ahead "
    "if it has ended or ends within a day (scripts/demo does this before serving).",
)
@lang_option
@pass_ctx
def demo_cmd(c: Context, data_dir: Path | None, out_dir: Path, renew_embargo: bool) -> None:
    """Build a demo clearing-house from real published data plus synthetic questionnaires."""
    from migstat.demo.build import build_demo

    if renew_embargo:
        from migstat.cli.common import opened_store
        from migstat.demo.exchange import renew_embargo as renew

        with opened_store(c) as store:
            click.echo(renew(store))
        return

    summary = build_demo(
        out_dir, data_dir=data_dir, db_url=c.db, lang=c.lang, echo=lambda s: click.echo(s, err=True)
    )
    click.echo(summary)
