"""The runtime every GMBot service starts through: settings, logs, metrics, auth, lifecycle."""
