"""Database failures told apart at the unit of work's edge, as domain errors.

- a real lock timeout, serialization failure or deadlock → `ConcurrentUpdate` ("the store is
  locked, try again"): retrying helps;
- a unique key taken by a concurrent writer → `ConcurrentUpdate` too (it got there first);
- a server that is down, refuses the connection, or a URL or driver that is wrong →
  `StoreUnavailable`, one line: retrying the same command does not help until it is fixed;
- anything else stays what it is (the faces show it as a store error).
"""

from __future__ import annotations

from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    SQLAlchemyError,
)
from sqlalchemy.exc import IntegrityError as SAIntegrityError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.exc import OperationalError as SAOperationalError

from implflow.core.errors import ConcurrentUpdate, ImplflowError, StoreUnavailable

# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available (lock_timeout)
PG_LOCKED = {"40001", "40P01", "55P03"}
# PostgreSQL SQLSTATE classes of a server that is unreachable or going away
PG_DOWN_PREFIXES = ("08", "57P")
MYSQL_LOCKED = {1205, 1213}  # lock wait timeout, deadlock
MYSQL_DOWN = {2002, 2003, 2005, 2006, 2013, 1045, 1049}  # no server, host, gone, auth, no db
SQLITE_LOCKED = ("database is locked", "database table is locked")
SQLITE_DOWN = ("unable to open database file", "disk i/o error")


def first_line(exc: BaseException) -> str:
    """The driver's own message, first line only."""
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def translate(exc: BaseException) -> ImplflowError | None:
    """The domain error a database failure stands for, or None when it is not one we name."""
    if isinstance(exc, ArgumentError | NoSuchModuleError):
        return StoreUnavailable(f"the store URL is not usable: {first_line(exc)}")
    if isinstance(exc, SAIntegrityError):
        return ConcurrentUpdate(f"another writer got there first, try again: {first_line(exc)}")
    if not isinstance(exc, DBAPIError):
        return None
    if _locked(exc):
        return ConcurrentUpdate(f"the store is locked, try again: {first_line(exc)}")
    if _down(exc):
        return StoreUnavailable(f"the store is unavailable: {first_line(exc)}")
    return None


def _codes(exc: DBAPIError) -> tuple[str | None, int | None]:
    """The PostgreSQL SQLSTATE and the MySQL error number of the driver's error, when known."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    args = getattr(orig, "args", ())
    number = args[0] if args and isinstance(args[0], int) else None
    return sqlstate, number


def _locked(exc: DBAPIError) -> bool:
    sqlstate, number = _codes(exc)
    text = str(exc.orig).lower()
    return (
        sqlstate in PG_LOCKED
        or number in MYSQL_LOCKED
        or (isinstance(exc, SAOperationalError) and text.startswith(SQLITE_LOCKED))
        or (sqlstate == "57014" and "lock timeout" in text)
    )


def _down(exc: DBAPIError) -> bool:
    sqlstate, number = _codes(exc)
    text = str(exc.orig).lower()
    if exc.connection_invalidated or number in MYSQL_DOWN:
        return True
    if sqlstate is not None:
        return sqlstate.startswith(PG_DOWN_PREFIXES)
    if text.startswith(SQLITE_DOWN):
        return True
    # psycopg reports a refused or failed connection with no SQLSTATE
    return isinstance(exc, SAOperationalError | SAInterfaceError) and "connect" in text


def is_store_error(exc: BaseException) -> bool:
    """Whether the error comes from SQLAlchemy or a driver under it."""
    return isinstance(exc, SQLAlchemyError)
