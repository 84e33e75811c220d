"""The stock desks."""
