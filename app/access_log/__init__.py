"""The member's "Who accessed my data" page, its queries, chart and downloads, and `flask audit`."""
