"""The partner API (``/api/v1``): what a member's app may read, within the member's grant.

Every read goes through :func:`app.disclosure.service.disclose` with the app
named (``api-read`` for views, ``download`` for exports), so an app receives
the intersection of its scopes, each subject's policy and the grant's
purpose, and every value it receives has an access event naming it.
"""
