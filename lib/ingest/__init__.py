"""File or record -> documents row: reading, line rules, cleaning, description, duplicates. No spaCy."""
