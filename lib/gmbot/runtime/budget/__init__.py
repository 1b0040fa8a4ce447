"""Telegram's limits as one budget for every GMBot process (DESIGN.md, "one budget")."""
