"""The lobby display: live calls on the TV, announced aloud in Bahasa Indonesia."""
