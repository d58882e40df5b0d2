"""Sign-in material shared by the tests: a cookie secret that passes the strength check, and the
claims an OpenID provider sends for a signed-in user (st.user in AppTests)."""

from __future__ import annotations

# Random, committed on purpose: it only signs cookies of throw-away test servers on loopback.
TEST_COOKIE_SECRET = "wzrxRRCxBCxJxzNYjPs0TGhJDfSoVZXdaV8d3Da3PMC8oH9ThXIzR6O4OKRQZCpE"
TEST_ISSUER = "https://sso.test.invalid"


def claims(email: str, *, sub: str | None = None, verified: object = True, iss: str = TEST_ISSUER) -> dict:
    """st.user for a visitor signed in as ``email`` (subject = the e-mail unless given)."""
    return {"is_logged_in": True, "email": email, "email_verified": verified, "iss": iss, "sub": sub or email}
