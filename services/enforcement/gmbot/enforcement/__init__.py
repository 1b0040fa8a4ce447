"""Enforcement: every action on a member, within Telegram's limits, nothing lost, nothing twice."""
