"""Exports of permitted contact data: selection, quotas, streaming, history, self export."""
