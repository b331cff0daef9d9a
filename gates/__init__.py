"""gates package."""
