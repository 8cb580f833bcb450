"""The email channel: inbound mail by IMAP, SMTP/LMTP and files, and its parsing.

See docs/email.md.
"""
