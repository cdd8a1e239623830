"""Per document and pure: (Document, parsed Doc) -> rows. The only code hashed into the rows cache."""
