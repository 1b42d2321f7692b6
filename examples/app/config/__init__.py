"""Settings and feature flags (L6)."""
import json
import os
from pathlib import Path

from pydantic_settings import BaseSettings

FLAGS_PATH = os.environ.get("FEATURE_FLAGS_FILE", "/etc/app/feature_flags.json")
DEFAULTS_PATH = Path(__file__).with_name("feature_flags.json")  # shipped with the package


class Settings(BaseSettings):
    database_url: str = os.getenv("DATABASE_URL", "sqlite:///./dev.db")
    redis_url: str = "redis://localhost:6379/0"
    jwt_secret: str = os.getenv("JWT_SECRET", "")


settings = Settings()

FEATURE_FLAGS = json.load(open(FLAGS_PATH))
DEFAULT_FLAGS = json.load(open(DEFAULTS_PATH))  # the package's own data: not the world


def load_flags() -> dict:
    """Read on demand instead: nothing happens at import."""
    with open(FLAGS_PATH) as fh:
        return json.load(fh)
