"""The `implflow` command line (Typer): a face over the services; errors become exit codes."""
