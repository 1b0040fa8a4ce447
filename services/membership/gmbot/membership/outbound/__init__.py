"""What membership talks to: the Bot API, and the feed of changes to the gateways' near caches."""
