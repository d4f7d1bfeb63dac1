"""Fakes of the external services Krisebot talks to, served over real HTTP for tests."""
