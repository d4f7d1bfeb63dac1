"""Krisebot: a Microsoft Teams bot that runs a municipality's internal crisis plan."""
