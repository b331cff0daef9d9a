"""methodology package."""
