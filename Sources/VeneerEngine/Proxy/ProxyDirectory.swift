// Placeholder until the proxy view lands.
