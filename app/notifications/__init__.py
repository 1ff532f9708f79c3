"""In-app notifications: the weekly digest of who accessed a member's data."""
