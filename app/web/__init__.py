"""Cross-cutting web concerns: error pages, security headers, request ids, home page."""
