"""Flask extensions, created unbound here and attached to an app in ``create_app``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from app.database import Base

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, with ``session`` typed as the one type every service takes.

    At run time ``db.session`` is a ``scoped_session``: a per-request proxy
    that forwards every Session method we use to the request's Session.
    Services are written against :class:`sqlalchemy.orm.Session` (so the CLI,
    a worker and the tests can hand them a plain one); typing the proxy as
    that Session is what lets one signature serve them all.
    """

    if TYPE_CHECKING:
        session: Session  # type: ignore[assignment]

    def end_session(self) -> None:
        """Close this thread's session (the scoped proxy's ``remove``), as a request's end does."""
        # The scoped proxy has remove(); the Session type it stands for does not.
        self.session.remove()  # type: ignore[attr-defined]


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
