"""The domain: packs, evaluation, sessions, storage. Never imports a UI library."""
