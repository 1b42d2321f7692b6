"""Seeds a dev database. Lives outside the package root: no STI006 here."""
from app.db import init_db

if __name__ == "__main__":
    init_db()
