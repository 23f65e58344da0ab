// Test fixtures for real servers.
