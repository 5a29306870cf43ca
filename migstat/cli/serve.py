"""``migstat serve``: the portal and the APIs on one address, in one process or several."""

from __future__ import annotations

import os
from typing import Any

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
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (each answers alike: sessions and state live in the database).",
)
@click.option(
    "--production",
    is_flag=True,
    help="Refuse to start without a PostgreSQL database, a secret key (MIGSTAT_SECRET_KEY) "
    "and an HTTPS origin; send HSTS and __Host- session cookies.",
)
@click.option("--origin", help="The site's public HTTPS origin (default: MIGSTAT_ORIGIN).")
@click.option(
    "--trusted-proxy",
    help="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
    "X-Forwarded-Proto are believed (default: MIGSTAT_TRUSTED_PROXIES; none).",
)
@click.pass_context
def serve_cmd(
    ctx: click.Context,
    host: str,
    port: int,
    coordinator_token_file: str | None,
    workers: int,
    production: bool,
    origin: str | None,
    trusted_proxy: str | None,
) -> None:
    """Serve the portal, the JSON API (/docs) and the SDMX REST API (/sdmx/rest/)."""
    from migstat.web import serving
    from migstat.web.app import create_app
    from migstat.web.auth import SECRET_ENV, load_token

    c = ctx.find_root().obj
    settings = serving.Settings(
        host=host,
        port=port,
        workers=workers,
        production=production,
        origin=origin or os.environ.get(serving.ORIGIN_ENV),
        trusted_proxies=trusted_proxy,
    )
    token = load_token(coordinator_token_file)
    # made here also when workers make their own: the store is opened (and migrated) once
    app = create_app(c.db, coordinator_token=token, production=production)
    store_url = app.state.store.url
    if production:
        _refuse_unready(c.lang, store_url, settings)
    elif not os.environ.get(SECRET_ENV):
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
    _announce(c.lang, app, host, port, workers)
    if workers > 1:
        app.state.store.close()
        serving.prepare_environment(c.db, token, settings)
    serving.run(app, settings)


def _refuse_unready(lang: str, store_url: str, settings: object) -> None:
    """Stop with a message naming everything production lacks."""
    from migstat.web import serving
    from migstat.web.auth import SECRET_ENV

    missing = serving.production_problems(
        store_url, os.environ.get(SECRET_ENV), getattr(settings, "origin", None)
    )
    if missing:
        lines = [
            gettext_(m, lang, variable=SECRET_ENV, origin_variable=serving.ORIGIN_ENV)
            for m in missing
        ]
        raise click.UsageError(
            gettext_(N_("--production needs: {missing}."), lang, missing="; ".join(lines))
        )


def _announce(lang: str, app: Any, host: str, port: int, workers: int) -> None:
    state = app.state
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(
        gettext_(
            N_("migstat portal on {store}: open http://{host}:{port}/ (Ctrl+C stops it)"),
            lang,
            store=state.store.url,
            host=shown,
            port=port,
        )
        + (
            gettext_(N_(" ({workers} worker processes)"), lang, workers=workers)
            if workers > 1
            else ""
        ),
        err=True,
    )
    click.echo(
        gettext_(
            N_("The coordinator may edit after signing in at /signin.")
            if state.coordinator_token
            else N_(
                "Accounts (migstat users add) sign in at /signin; no coordinator token is "
                "configured (--coordinator-token-file or MIGSTAT_COORDINATOR_TOKEN)."
            ),
            lang,
        ),
        err=True,
    )
