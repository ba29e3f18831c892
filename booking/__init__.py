"""Online booking (reservasi antrean): the citizen's pages, its API and check-in at the MPP."""
