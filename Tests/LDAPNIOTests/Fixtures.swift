import LDAPCore

/// PDUs the framing tests feed through, as a client would send them.
enum Fixture {
    static let bind = LDAPMessage(messageID: 1, .bindRequest(.simple(name: "cn=admin,dc=example,dc=com", password: "secret".utf8)))
    static let search = LDAPMessage(
        messageID: 2,
        .searchRequest(SearchRequest(baseObject: "dc=example,dc=com", scope: .wholeSubtree, filter: .equality("uid", "jdoe"))))
    static let startTLS = LDAPMessage(messageID: 3, .extendedRequest(ExtendedRequest(name: "1.3.6.1.4.1.1466.20037")))

    static func bytes(_ messages: LDAPMessage...) -> [UInt8] {
        messages.flatMap(\.encodedBytes)
    }
}
