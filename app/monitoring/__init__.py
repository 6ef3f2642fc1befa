"""Monitoring of news and alert feeds: fetched bytes become feed items; a watchlist picks the relevant."""
