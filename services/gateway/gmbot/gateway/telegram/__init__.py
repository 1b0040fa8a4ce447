"""The aiogram side of the gateway: updates in, replies out. Flows know nothing of it."""
