"""Helpers for tests that talk to a running simulator over real HTTPS."""

import time

import jwt
import requests
from logpoint_simulator import seed

ADMIN_CREDENTIALS = {"username": "admin", "secret_key": seed.ADMIN_SECRET}
DIRECTOR_BASE = f"/configapi/{seed.DIRECTOR_POOL}/{seed.DIRECTOR_LOGPOINT}"
DIRECTOR_AUTH = {"Authorization": f"Bearer {seed.DIRECTOR_TOKEN}"}


class SimClient:
    """A requests session bound to one simulator: paths instead of URLs, its CA trusted."""

    def __init__(self, simulator):
        self.base_url = simulator.url
        self.ca_path = str(simulator.ca_path)
        self.session = requests.Session()

    def request(self, method, path, **kwargs):
        # Per request: REQUESTS_CA_BUNDLE in the environment would override a session-level verify.
        return self.session.request(method, self.base_url + path, verify=self.ca_path, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def control(self, method, name, **kwargs):
        response = self.request(method, f"/_simulator/{name}", **kwargs)
        response.raise_for_status()
        return response.json()

    def jwt_post(self, path, token, **kwargs):
        return self.post(path, headers={"Authorization": f"Bearer {token}"}, json={}, **kwargs)

    def get_users(self, credentials=None):
        # The real API is a GET with the credentials in a JSON body.
        return self.get("/get_users", json=ADMIN_CREDENTIALS if credentials is None else credentials)

    def allowed_data(self, kind, credentials=None, **form):
        return self.post("/getalloweddata", data={**(ADMIN_CREDENTIALS if credentials is None else credentials), "type": kind, **form})

    def close(self):
        self.session.close()


def mint_jwt(sub="admin", secret=seed.ADMIN_SECRET, scope="logsource:read", lifetime=3600, **claims):
    """A client-self-signed token as the collection mints it; a claim passed as None is left out."""
    now = int(time.time())
    payload = {"iss": "self-signed", "sub": sub, "iat": now, "exp": now + lifetime, "scope": scope, **claims}
    return jwt.encode({key: value for key, value in payload.items() if value is not None}, secret, algorithm="HS256")
