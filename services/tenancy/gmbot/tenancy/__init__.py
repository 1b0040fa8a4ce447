"""Tenancy: owners, protected groups, channels, their links and per-group settings."""
