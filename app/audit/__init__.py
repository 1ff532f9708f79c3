"""The access log: every read of a member's data, recorded before it leaves, hash-chained."""
