"""datamigration package."""
