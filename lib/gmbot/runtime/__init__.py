"""The runtime every GMBot gRPC service starts through: settings, logs, metrics, auth, lifecycle."""
