"""Partner apps: the developer portal, members' grants and blocks, and the OAuth 2.0 server.

The authorization server is Authlib's (``oauth.py``, ``endpoints.py``,
``server.py``), held to the OAuth 2.0 Security BCP (RFC 9700): authorization
code with PKCE S256 only, exact redirect URIs, single-use codes, rotating
refresh tokens with reuse detection, and only hashes of credentials stored.
Apps read members' data through :func:`app.disclosure.service.disclose` like
everyone else; ``protection.py`` turns a bearer token into the requester.
"""
