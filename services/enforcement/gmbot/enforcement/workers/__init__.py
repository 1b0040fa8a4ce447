"""The worker pool: carries out accepted actions, sweeps what is due, prunes the ledger."""
