"""The base of every form a Fieldgate page posts."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # FlaskForm(formdata=...)'s default: "read the request"
from wtforms.validators import Length

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class PageForm(FlaskForm):
    """A form of text fields, read from the posted form and nothing else.

    Flask-WTF also fills fields from ``request.files`` and from a JSON body,
    so a field reached the validators as a FileStorage or an int and
    Length() raised TypeError: a 500 on every form (found by review); the
    values also bypassed the NUL guard, which inspects args and form only.
    No form here takes a file or JSON; the JSON APIs read their bodies
    themselves (``app.web.inputs.json_body``).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """``request.form`` when the form was posted; a 400 for file parts.

            A file part is refused rather than ignored: ignored, the field
            would read as emptied, and an emptied profile field is removed.
            """
            if formdata is not _Auto:
                return formdata
            if not form.is_submitted():
                return None
            if request.files:
                abort(400, "Send the form's fields as text: this form takes no files.")
            if request.mimetype and request.mimetype not in FORM_TYPES:
                # Read as an empty form, a JSON body turned the digest off and sent
                # invitations without their message (found by the second review).
                abort(400, "Send the form's fields as a form, not as JSON or another body.")
            return request.form or None


def at_most(limit: int) -> Length:
    """A length limit whose message says what to do, not WTForms' "Field cannot be longer..."."""
    return Length(max=limit, message=f"Use at most {limit} characters.")
