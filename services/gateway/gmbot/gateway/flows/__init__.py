"""DESIGN.md's flows 1-8 as plain async functions over the back ends' facades (clients/), with
the in-process machinery they use (second looks, claims): no aiogram in here."""
