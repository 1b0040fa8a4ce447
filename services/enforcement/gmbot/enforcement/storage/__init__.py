"""Storage: the ledger's transactions, its named queries, its models and migrations."""
