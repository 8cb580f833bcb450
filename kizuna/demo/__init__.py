"""What `kizuna demo` records about the database it seeded (see docs/demo.md)."""
