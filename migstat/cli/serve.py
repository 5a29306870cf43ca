"""``migstat serve``: the portal and the APIs on one address."""

from __future__ import annotations

import os

import click

from migstat.i18n import N_, gettext_


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 for every interface).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--coordinator-token-file",
    type=click.Path(dir_okay=False),
    help="File whose first line is the coordinator's token: whoever presents it "
    "(at /signin, or as 'Authorization: Bearer') may edit mappings. Default: "
    "the variable MIGSTAT_COORDINATOR_TOKEN; without either nobody can edit "
    "from the web.",
)
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, coordinator_token_file: str | None) -> None:
    """Serve the portal, the JSON API (/docs) and the SDMX REST API (/sdmx/rest/)."""
    import uvicorn

    from migstat.web.app import create_app
    from migstat.web.auth import SECRET_ENV, load_token

    c = ctx.find_root().obj
    app = create_app(c.db, coordinator_token=load_token(coordinator_token_file))
    if not os.environ.get(SECRET_ENV):
        click.echo(
            gettext_(
                N_(
                    "Sessions end when the server stops: set {variable} (at least 16 random "
                    "characters) to keep them, and the same in every worker."
                ),
                c.lang,
                variable=SECRET_ENV,
            ),
            err=True,
        )
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(
        gettext_(
            N_("migstat portal on {store}: open http://{host}:{port}/ (Ctrl+C stops it)"),
            c.lang,
            store=app.state.store.url,
            host=shown,
            port=port,
        ),
        err=True,
    )
    click.echo(
        gettext_(
            N_("The coordinator may edit after signing in at /signin.")
            if app.state.coordinator_token
            else N_(
                "Accounts (migstat users add) sign in at /signin; no coordinator token is "
                "configured (--coordinator-token-file or MIGSTAT_COORDINATOR_TOKEN)."
            ),
            c.lang,
        ),
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")
