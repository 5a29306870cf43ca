"""``migstat review ID --accept|--return [--note TEXT] [--by LOGIN]``: the coordinator's
decision on a submission in the queue, from the command line.

The command line has the database itself and acts as the coordinator; the audit trail and
the submission's history record the OS user, or ``--by LOGIN``. The rules are those of the
portal (:mod:`migstat.exchange.workflow`): a submission waiting for its country's approver
cannot be accepted, a return needs a note, and nobody accepts what they submitted.
"""

from __future__ import annotations

import click

from migstat.cli.common import Context, lang_option, opened_store, pass_ctx, who
from migstat.i18n import N_
from migstat.model import InputError
from migstat.store.access import COORDINATOR, Principal

CLIENT = "cli"


@click.command("review")
@click.argument("submission_id", type=int)
@click.option("--accept", "decision", flag_value="accept", help="Accept the submission.")
@click.option("--return", "decision", flag_value="return", help="Return it with --note.")
@click.option("--note", default=None, help="The message (required with --return).")
@click.option("--by", default=None, help="Who decides (default: the OS user).")
@lang_option
@pass_ctx
def review_cmd(
    c: Context, submission_id: int, decision: str | None, note: str | None, by: str | None
) -> None:
    """Accept or return a submission in the coordinator's queue."""
    from migstat.exchange import workflow

    if decision is None:
        raise InputError(N_("Say what to do with the submission: --accept or --return."))
    coordinator = Principal(user_id=who(by), roles=frozenset({COORDINATOR}))
    move = workflow.accept if decision == "accept" else workflow.return_
    with opened_store(c) as store:
        record = move(store, submission_id, who=coordinator, note=note, client=CLIENT)
    click.echo(
        c.t(
            N_("Submission {id} ({country}) is now {state}."),
            id=record.id,
            country=record.country or record.provider,
            state=c.t(workflow.STATE_NAMES.get(record.status, record.status)),
        )
    )
