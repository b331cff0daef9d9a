"""The one exception tree of implflow; the faces translate it (exit code, HTTP status, state).

ImplflowError                    every domain error; str(error) is a one-line message
├── NotFound                     unknown project, phase, gate, item, person, document, record
├── InvalidInput                 a value, file or spec that does not validate
│   └── PackError                a methodology pack or overlay at fault (file, line, field)
├── Conflict                     state forbids the action (phase not open, gate passed, duplicate)
│   └── ConcurrentUpdate         another writer changed the record first; retry
├── Unauthenticated              no proven identity: wrong password, bad/expired/revoked token
│   └── TooManyAttempts          failed log-ins for this handle: wait before trying again
├── Forbidden                    the actor lacks the role, or the four-eyes rule refuses
├── IntegrityError               the audit chain or a frozen document was altered
├── StoreUnavailable             the store's server is down or its URL is wrong
├── MigrationError               a data-migration run cannot go on (source, target, spec)
└── FlowFailed                   a phase or engagement flow run ended Failed or Crashed
"""

from __future__ import annotations


class ImplflowError(Exception):
    """Base of every error implflow raises on purpose; the message is one line."""

    exit_code = 1
    http_status = 400


class NotFound(ImplflowError):
    exit_code = 2
    http_status = 404


class InvalidInput(ImplflowError):
    exit_code = 2
    http_status = 422


class PackError(InvalidInput):
    """A methodology pack or tailoring overlay is malformed."""

    def __init__(self, file: str, line: int | None, field: str, message: str) -> None:
        self.file, self.line, self.field = file, line, field
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {field}: {message}")


class Conflict(ImplflowError):
    exit_code = 3
    http_status = 409


class ConcurrentUpdate(Conflict):
    pass


class Unauthenticated(ImplflowError):
    """Nobody proven is acting: log in (CLI), or send a valid token (API)."""

    exit_code = 8
    http_status = 401


class TooManyAttempts(Unauthenticated):
    """Log-ins for this handle are slowed down after repeated failures."""

    http_status = 429


class Forbidden(ImplflowError):
    exit_code = 4
    http_status = 403


class IntegrityError(ImplflowError):
    exit_code = 5
    http_status = 409


class StoreUnavailable(ImplflowError):
    """The store cannot be reached: its server is down, or the URL or driver is wrong."""

    exit_code = 7
    http_status = 503


class MigrationError(ImplflowError):
    exit_code = 6
    http_status = 422


class FlowFailed(ImplflowError):
    """A flow run failed; the message is the one-line reason (the traceback is in the log)."""

    exit_code = 9
    http_status = 500
