"""Sign-up and sign-in forms (CSRF-protected through Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.accounts.services import MAX_NAME_LENGTH, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class SignUpForm(FlaskForm):
    """Create an account."""

    first_name = StringField("First name", validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=MAX_NAME_LENGTH)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A passphrase works well.",
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class SignInForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""
