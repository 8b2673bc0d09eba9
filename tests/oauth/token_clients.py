"""Fetches tokens from a running onestop with the OAuth client libraries people use.

Usage: python3 token_clients.py BASE_URL CLIENT_ID CLIENT_SECRET  (an admin client)

Run by tests/api/oauth_libraries.rs. Each check prints one line; the first failure raises,
so the exit status is non-zero and the traceback says which check failed.
"""
import os
import sys

# requests-oauthlib refuses plain http; the test service listens on 127.0.0.1 only.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

import requests  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession  # noqa: E402
from authlib.integrations.requests_client import OAuthError  # noqa: E402
from oauthlib.oauth2 import BackendApplicationClient  # noqa: E402
from oauthlib.oauth2.rfc6749.errors import InvalidClientError  # noqa: E402
from requests.auth import HTTPBasicAuth  # noqa: E402
from requests_oauthlib import OAuth2Session as OAuthlibSession  # noqa: E402


def check_token(token, base_url, how):
    assert token.get("token_type") == "Bearer", f"{how}: {token}"
    assert token.get("access_token"), f"{how}: {token}"
    answer = requests.get(
        f"{base_url}/v1/clients",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    )
    assert answer.status_code == 200, f"{how}: the token is refused: {answer.text}"
    print(f"ok: {how}")


def main(base_url, client_id, client_secret):
    token_url = f"{base_url}/v1/auth/token"

    # authlib's default client authentication is client_secret_basic.
    token = AuthlibSession(client_id, client_secret).fetch_token(
        token_url, grant_type="client_credentials"
    )
    check_token(token, base_url, "authlib, client_secret_basic (its default)")

    token = AuthlibSession(
        client_id, client_secret, token_endpoint_auth_method="client_secret_post"
    ).fetch_token(token_url, grant_type="client_credentials")
    check_token(token, base_url, "authlib, client_secret_post")

    try:
        AuthlibSession(client_id, "ocs_wrong").fetch_token(
            token_url, grant_type="client_credentials"
        )
        raise AssertionError("authlib: a wrong secret gave a token")
    except OAuthError as error:
        assert error.error == "invalid_client", f"authlib: {error.error}: {error.description}"
        print("ok: authlib, a wrong secret raises OAuthError invalid_client")

    # requests-oauthlib sends client_id and client_secret as HTTP Basic unless told to put
    # them in the body (include_client_id=True).
    session = OAuthlibSession(client=BackendApplicationClient(client_id=client_id))
    token = session.fetch_token(
        token_url=token_url, client_id=client_id, client_secret=client_secret
    )
    check_token(token, base_url, "requests-oauthlib, its default (Basic)")

    session = OAuthlibSession(client=BackendApplicationClient(client_id=client_id))
    token = session.fetch_token(
        token_url=token_url, auth=HTTPBasicAuth(client_id, client_secret)
    )
    check_token(token, base_url, "requests-oauthlib, auth=HTTPBasicAuth")

    session = OAuthlibSession(client=BackendApplicationClient(client_id=client_id))
    token = session.fetch_token(
        token_url=token_url,
        client_id=client_id,
        client_secret=client_secret,
        include_client_id=True,
    )
    check_token(token, base_url, "requests-oauthlib, include_client_id=True (in the body)")

    session = OAuthlibSession(client=BackendApplicationClient(client_id=client_id))
    try:
        session.fetch_token(
            token_url=token_url, client_id=client_id, client_secret="ocs_wrong"
        )
        raise AssertionError("requests-oauthlib: a wrong secret gave a token")
    except InvalidClientError as error:
        assert error.error == "invalid_client", f"requests-oauthlib: {error.error}"
        print("ok: requests-oauthlib, a wrong secret raises InvalidClientError")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
