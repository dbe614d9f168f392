"""Help where people work: a guide per role, in Japanese and English, served under /help/ and
linked from the pages it explains (docs/architecture.md)."""
