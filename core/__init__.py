"""Cross-cutting pieces every package may import: settings and the exception tree."""
