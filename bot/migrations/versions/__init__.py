"""One module per schema revision; released revisions are never edited, only added to."""
