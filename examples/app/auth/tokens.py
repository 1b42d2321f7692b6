"""Token handling inside auth/ (L4): the seed's L3+L4 auth hybrid."""
import jwt

from app.config import settings


def current_user(token: str) -> dict:
    claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"])
    return {"user": claims["sub"], "roles": claims.get("roles", [])}
