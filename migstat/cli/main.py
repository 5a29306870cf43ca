"""The ``migstat`` command tree.

One command with sub-commands over :mod:`migstat.api`. Messages come in English or Russian
(``--lang``, then ``MIGSTAT_LANG``, then the locale). Errors in input end with a message that
names the file and place and a non-zero exit status, never a traceback (set
``MIGSTAT_DEBUG=1`` to see one).

This module only assembles the tree: the root group and its options, then each module's
commands, one group of lines per layer. What the command modules share is in
:mod:`migstat.cli.common`. The ``demo`` command is added by :mod:`migstat.__main__`, the
program, since the demo sits above the CLI.

Exit status: 0 success; 1 the file has errors (validate) or the submission was rejected;
2 bad input or usage; 3 an unexpected failure.
"""

from __future__ import annotations

import click

from migstat import __version__
from migstat.cli.common import Context, run
from migstat.cli.estimate import estimate
from migstat.cli.exchange import audit_cmd, tokens_group, users_group
from migstat.cli.imports import import_cmd
from migstat.cli.mapping import mapping_group
from migstat.cli.mirror import mirror_cmd
from migstat.cli.query import query_cmd
from migstat.cli.release import agreements_group, release_cmd, releases_cmd
from migstat.cli.review import review_cmd
from migstat.cli.rounds import rounds_group
from migstat.cli.serve import serve_cmd
from migstat.cli.structures import tables_group
from migstat.cli.submissions import submissions_cmd, submit_cmd, template_cmd, validate_cmd
from migstat.cli.synthesize import synthesize_cmd
from migstat.cli.tabulate import tabulate_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang",
    type=click.Choice(["en", "ru"]),
    default=None,
    help="Language of messages (default: MIGSTAT_LANG, then the locale).",
)
@click.option(
    "--db",
    metavar="URL",
    default=None,
    help="Store: a SQLAlchemy URL or a SQLite file path "
    "(default: MIGSTAT_DATABASE_URL, then ./migstat.db).",
)
@click.version_option(__version__, prog_name="migstat")
@click.pass_context
def cli(ctx: click.Context, lang: str | None, db: str | None) -> None:
    """migstat: a clearing-house for international migration statistics."""
    ctx.obj = Context(lang, db)


# the registry and national submissions
cli.add_command(tables_group)
cli.add_command(template_cmd)
cli.add_command(validate_cmd)
cli.add_command(submit_cmd)
cli.add_command(submissions_cmd)
cli.add_command(query_cmd)

# microdata tabulated into the standard tables
cli.add_command(tabulate_cmd)
cli.add_command(synthesize_cmd)

# imports of published sources, classification mappings
cli.add_command(import_cmd)
cli.add_command(mapping_group)

# the exchange: accounts, API tokens, the audit trail
cli.add_command(users_group)
cli.add_command(tokens_group)
cli.add_command(audit_cmd)
cli.add_command(release_cmd)
cli.add_command(releases_cmd)
cli.add_command(agreements_group)
cli.add_command(rounds_group)
cli.add_command(review_cmd)

# serve (the portal and the APIs)
cli.add_command(serve_cmd)

# estimate, mirror (analysis)
cli.add_command(estimate)
cli.add_command(mirror_cmd)


def main(argv: list[str] | None = None) -> None:
    """Run the command tree of this module (without the demo's command: see
    :mod:`migstat.__main__`)."""
    run(cli, argv)


__all__ = ["cli", "main"]
