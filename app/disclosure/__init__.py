"""The one path by which member data leaves: relations, engine, (access log)."""
