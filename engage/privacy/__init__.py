"""What engage holds about a person, for them: a copy of their data to download (the right of
access and to data portability, UK GDPR articles 15 and 20), and the privacy notice's facts."""
