"""`implflow login|logout|whoami`, `implflow user …` and `implflow token …`.

Bootstrap: while the store has no account, `implflow user add HANDLE --name N --admin` creates
the first (admin) account without logging in; every later account is added by an admin.
"""

from __future__ import annotations

import secrets

import typer

from implflow.cli import credentials, remote
from implflow.cli.edge import JsonOpt, console, edge, emit_json, safe, table
from implflow.core.errors import InvalidInput, Unauthenticated
from implflow.core.settings import get_settings
from implflow.services import actions, auth
from implflow.store.models import utcnow

user_app = typer.Typer(help="Accounts: add, passwd, disable, list.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens: create (shown once), list, revoke.", no_args_is_help=True)
StdinOpt = typer.Option(False, "--password-stdin", help="Read the password from standard input.")


def login(
    handle: str = typer.Argument(..., help="Your handle, e.g. chen.lead."),
    password_stdin: bool = StdinOpt,
) -> None:
    """Log in: the token is kept in IMPLFLOW_HOME/credentials, readable by you alone."""
    password = credentials.read_password("Password", password_stdin)
    url = get_settings().api_url
    if url:  # the console's store: its API issues the token
        got = remote.login(url, handle, password, remote.make_client())
        path = credentials.save(got["handle"], got["token"], str(got["expires_at"]))
        console.print(safe(f"logged in as {handle} at {url} ({path})"))
        return
    issued = auth.login(handle=handle, password=password, token_name="cli")
    path = credentials.save(issued.handle, issued.secret, issued.expires_at.isoformat())
    console.print(f"logged in as {handle} until {issued.expires_at:%Y-%m-%d %H:%M %Z} ({path})")


def logout() -> None:
    """Log out: revoke the saved token and forget it."""
    saved = credentials.load()
    if saved is None:
        console.print("not logged in")
        return
    credentials.forget()
    try:
        who = auth.authenticate_token(secret=saved["token"])
    except Unauthenticated:
        console.print("logged out (the saved token was no longer valid)")
        return
    actions.run(auth.revoke_token, actor=who, token_id=who.token_id or 0)
    console.print(f"logged out {who.handle}")


def whoami(as_json: bool = JsonOpt) -> None:
    """Who the CLI acts as: handle, name, admin or PMO flags."""
    who = credentials.current()
    assert who is not None
    info = {"handle": who.handle, "name": who.name, "admin": who.is_admin, "pmo": who.is_pmo}
    if as_json:
        return emit_json(info)
    flags = ", ".join(k for k in ("admin", "pmo") if info[k])
    console.print(f"{who.handle} ({who.name}){' — ' + flags if flags else ''}")


@user_app.command("add")
@edge
def user_add(
    handle: str,
    name: str = typer.Option(None, help="Full name (needed when the person is new)."),
    title: str = typer.Option("", help="Job title printed under signatures, e.g. 'CFO, ACME'."),
    admin: bool = typer.Option(False, "--admin", help="A global admin (the first must be one)."),
    pmo: bool = typer.Option(False, "--pmo", help="The portfolio office: pmo on every project."),
    password_stdin: bool = StdinOpt,
    generate: bool = typer.Option(
        False, "--generate-password", help="Make up a password and print it once."
    ),
) -> None:
    """Give a person an account (the first one, an admin, needs no log-in)."""
    actor = credentials.current(required=False)
    if generate and password_stdin:
        raise InvalidInput("give --generate-password or --password-stdin, not both")
    password = (
        secrets.token_urlsafe(15)
        if generate
        else credentials.read_password(f"Password for {handle}", password_stdin, confirm=True)
    )
    info = actions.run(
        auth.create_account,
        actor=actor,
        handle=handle,
        password=password,
        name=name,
        title=title,
        is_admin=admin,
        is_pmo=pmo,
    )
    console.print(f"account {info.handle} ({info.name}) created" + (" as admin" if admin else ""))
    if generate:
        console.print(f"password (shown once): {password}", highlight=False, markup=False)


@user_app.command("passwd")
@edge
def user_passwd(
    handle: str = typer.Argument(None, help="Whose password (default: yours; others: admins)."),
    password_stdin: bool = StdinOpt,
) -> None:
    """Change a password; the person's other tokens are revoked.

    Outside a fresh log-in your own password is asked first (with --password-stdin: the first
    line is yours, the second the new one).
    """
    actor = credentials.current()
    assert actor is not None
    actor = prove_again(actor, password_stdin)
    target = handle or actor.handle
    password = credentials.read_password(f"New password for {target}", password_stdin, True)
    actions.run(auth.set_password, actor=actor, handle=target, password=password)
    console.print(f"password of {target} changed")


@user_app.command("disable")
@edge
def user_disable(handle: str) -> None:
    """Disable an account and revoke its tokens (admins)."""
    actions.run(auth.set_disabled, actor=credentials.current(), handle=handle, disabled=True)
    console.print(f"account {handle} disabled")


@user_app.command("enable")
@edge
def user_enable(handle: str) -> None:
    """Enable a disabled account again (admins)."""
    actions.run(auth.set_disabled, actor=credentials.current(), handle=handle, disabled=False)
    console.print(f"account {handle} enabled")


@user_app.command("list")
@edge
def user_list(as_json: bool = JsonOpt) -> None:
    """Every account with its flags (admins)."""
    rows = actions.run(auth.list_accounts, actor=credentials.current())
    data = [r.__dict__ for r in rows]
    if as_json:
        return emit_json(data)
    table(
        "Accounts",
        ["handle", "name", "title", "admin", "pmo", "disabled"],
        [list(d.values()) for d in data],
    )


@token_app.command("create")
@edge
def token_create(
    name: str = typer.Option(..., help="What the token is for, e.g. ci."),
    days: float = typer.Option(90, help="Days until it expires (at most 366)."),
    for_: str = typer.Option(None, "--for", help="Another person's handle (admins)."),
) -> None:
    """Create an API token; its secret is printed once and never stored."""
    issued = actions.run(
        auth.issue_token, actor=credentials.current(), handle=for_, name=name, days=days
    )
    console.print(f"token {issued.token_id} for {issued.handle} until {issued.expires_at:%Y-%m-%d}")
    console.print(issued.secret, highlight=False, markup=False)


@token_app.command("list")
@edge
def token_list(
    for_: str = typer.Option(None, "--for", help="Another person's handle (admins)."),
    all_: bool = typer.Option(False, "--all", help="Everyone's tokens (admins)."),
    as_json: bool = JsonOpt,
) -> None:
    """Your tokens (or another person's, or everyone's for an admin); never their secrets."""
    who = credentials.current()
    assert who is not None
    handle = None if all_ else (for_ or who.handle)
    rows = actions.run(auth.list_tokens, actor=who, handle=handle)
    data = [r.__dict__ for r in rows]
    if as_json:
        return emit_json(data)
    table(
        "Tokens",
        ["id", "handle", "name", "kind", "created", "expires", "revoked", "last used"],
        [list(d.values()) for d in data],
    )


@token_app.command("revoke")
@edge
def token_revoke(token_id: int) -> None:
    """Revoke a token (yours, or anyone's for an admin)."""
    actions.run(auth.revoke_token, actor=credentials.current(), token_id=token_id)
    console.print(f"token {token_id} revoked")


def prove_again(who: auth.Principal, from_stdin: bool) -> auth.Principal:
    """`who`, with the password asked again unless the log-in is fresh."""
    if who.fresh(utcnow(), get_settings().signing_fresh_seconds):
        return who
    return auth.reauthenticate(who, credentials.read_password("Your password", from_stdin))


def signer(from_stdin: bool) -> tuple[auth.Principal | None, str]:
    """Who signs, and how it was proven: a fresh log-in, or the password asked again now.

    Nobody logged in gives None: the unit of work refuses the signature and audits it.
    """
    who = credentials.current(required=False)
    if who is None:
        return None, ""
    if who.fresh(utcnow(), get_settings().signing_fresh_seconds):
        return who, "fresh-login"
    typed = credentials.read_password(f"Password of {who.handle} (to sign)", from_stdin)
    return auth.reauthenticate(who, typed), "password"


def register(app: typer.Typer) -> None:
    """Add the identity commands to the `implflow` app."""
    app.command("login")(edge(login))
    app.command("logout")(edge(logout))
    app.command("whoami")(edge(whoami))
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
