"""Gateway: GMBot as people see it. Reads Telegram's updates, decides, and asks the back ends."""
