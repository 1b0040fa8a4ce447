"""Where membership keeps what it learned: Redis, shared by replicas, or this process. Nothing
here is the only copy of anything: losing it costs Bot API calls, never correctness."""
