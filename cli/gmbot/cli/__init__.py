"""`gmbot`: the operator's command line (migrate, doctor, check a membership, recent actions)."""
