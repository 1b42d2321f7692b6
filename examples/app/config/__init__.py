"""Settings and feature flags (L6)."""
import json
import os
from pathlib import Path

from pydantic_settings import BaseSettings

FLAGS_PATH = Path(__file__).with_name("feature_flags.json")


class Settings(BaseSettings):
    database_url: str = os.getenv("DATABASE_URL", "sqlite:///./dev.db")
    redis_url: str = "redis://localhost:6379/0"
    jwt_secret: str = os.getenv("JWT_SECRET", "")


settings = Settings()

FEATURE_FLAGS = json.load(open(FLAGS_PATH))


def load_flags() -> dict:
    """Read on demand instead: nothing happens at import."""
    with open(FLAGS_PATH) as fh:
        return json.load(fh)
