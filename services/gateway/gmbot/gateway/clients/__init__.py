"""The gRPC back ends as the gateway sees them: typed facades, errors of its own, and the caches
and batchers in front of them."""
