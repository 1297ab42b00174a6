"""The portfolio's storage: SQLAlchemy 2 models, Alembic migrations shipped in the package, and the operations
the CLI (cli_portfolio.py) and the HTTP API (routes/portfolio.py) share. Imported only by portfolio commands, so
``aiduty check`` never pays for SQLAlchemy."""
