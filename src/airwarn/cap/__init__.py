"""CAP 1.2: XML out and in (xml), schema validation (validate), XML signatures (signing), Atom feed (atom)."""
