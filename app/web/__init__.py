"""What pages and APIs share: safe redirects, the current requester, error responses.

Sits below the domain packages (which use it) and above ``disclosure/``; the
web shell that wires everything together is ``app/shell/``.
"""
