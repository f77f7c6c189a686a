"""SQL storage of the gateway: accounts, hashed API keys, transcripts, and the credit ledger (the truth
that Redis counters are rebuilt from). SQLAlchemy 2 async; Alembic migrations."""
