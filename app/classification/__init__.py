"""Rule- and lexicon-based classification of mentions: pure Python, no FastAPI, no database."""
