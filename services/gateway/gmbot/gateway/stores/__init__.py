"""What the gateway itself keeps in Redis (in this process when Redis is not there): owners' set-ups
in progress, invite links, answers given lately."""
