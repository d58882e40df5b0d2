"""Digests: the wording of alerts, the digest text and its delivery channels (SMTP, group robots)."""
