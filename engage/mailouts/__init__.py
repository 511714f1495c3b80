"""Paper questionnaires by post: requests taken on the phone, print runs, and their retention."""
