"""Helpers for tests: real local servers (localstripe, SMTP) started and stopped from fixtures."""
