import Testing
@testable import VeneerStore

// Store tests arrive with the implementation.
