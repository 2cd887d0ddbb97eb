"""Third-party fee systems (network, electricity, photo, library, exams, donations) behind one gateway."""
