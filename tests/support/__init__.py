"""Helpers the test suites share (real databases, running services)."""
