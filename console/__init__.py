"""The web console: server-rendered pages and the JSON API over the services (a face)."""

from implflow.console.app import create_app

__all__ = ["create_app"]
