"""DESIGN.md's flows 1-8 as plain async functions over the back ends: no aiogram in here."""
