import Testing

/// Every suite that uses the one Samba DC of a machine (fixed ports 389/636) is nested here:
/// `.serialized` is recursive, so one suite stopping and restarting the DC can never race
/// another suite's searches.
@Suite("Samba AD domain controller", .serialized)
enum SambaDomainController {}
