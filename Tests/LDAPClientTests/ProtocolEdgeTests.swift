import LDAPClient
import LDAPCore
import Testing

/// Edge cases a real server does not produce on demand, played by a scripted peer.
@Suite("Protocol edge cases (scripted server)")
struct ProtocolEdgeTests {
    static func configuration(_ server: ScriptedLDAPServer, _ security: LDAPServerAddress.Security = .plain)
        -> LDAPClientConfiguration
    {
        var configuration = LDAPClientConfiguration(
            servers: [LDAPServerAddress(host: "127.0.0.1", port: server.port, security: security)],
            serviceBindDN: "cn=service", serviceBindPassword: Array("secret".utf8))
        configuration.servicePoolSize = 1
        configuration.connectTimeout = .seconds(2)
        configuration.operationTimeout = .seconds(5)
        return configuration
    }

    static let startTLSOID = "1.3.6.1.4.1.1466.20037"

    @Test("bytes queued behind a successful StartTLS response are refused")
    func plaintextAfterStartTLS() async throws {
        try await ScriptedLDAPServer.with({ request, _ in
            guard case .extendedRequest(let extended) = request.protocolOp, extended.name == Self.startTLSOID else {
                return ScriptedLDAPServer.ordinary(request)
            }
            // A man in the middle's favourite: a forged bind success right behind the response.
            let response = LDAPMessage(
                messageID: request.messageID, .extendedResponse(ExtendedResponse(LDAPResult(.success), name: Self.startTLSOID)))
            let injected = LDAPMessage(messageID: request.messageID + 1, .bindResponse(BindResponse(LDAPResult(.success))))
            return .send(response.encodedBytes + injected.encodedBytes)
        }) { server in
            try await Client.withUpstream(Self.configuration(server, .startTLS)) { upstream in
                let error = try await #require(throws: LDAPClientError.self) { _ = try await Client.whoAmI(upstream) }
                #expect(error.kind == .tls)
                #expect(error.message.contains("after the StartTLS response"), "\(error)")
            }
        }
    }

    @Test("a refused StartTLS is a tls error naming the server's answer")
    func startTLSRefused() async throws {
        try await ScriptedLDAPServer.with({ request, _ in
            guard case .extendedRequest = request.protocolOp else { return ScriptedLDAPServer.ordinary(request) }
            let refusal = ExtendedResponse(LDAPResult(.unavailable, diagnosticMessage: "TLS not configured"))
            return .send(LDAPMessage(messageID: request.messageID, .extendedResponse(refusal)).encodedBytes)
        }) { server in
            try await Client.withUpstream(Self.configuration(server, .startTLS)) { upstream in
                let error = try await #require(throws: LDAPClientError.self) { _ = try await Client.whoAmI(upstream) }
                #expect(error.kind == .tls)
                #expect(error.message.contains("refused StartTLS: unavailable (52) \"TLS not configured\""), "\(error)")
            }
        }
    }

    @Test("intermediate responses reach the search's consumer in order with their controls; an operation with one response skips them")
    func intermediateResponsesInOrder() async throws {
        let info = SyncInfoMessage.refreshPresent(cookie: Array("c1".utf8), refreshDone: false).intermediateResponse
        let custom = IntermediateResponse(name: nil, value: [1, 2, 3])
        let marker = LDAPControl(oid: "1.2.3.4", value: [9])
        try await ScriptedLDAPServer.with({ request, _ in
            let id = request.messageID
            switch request.protocolOp {
            case .searchRequest:
                let responses: [LDAPMessage] = [
                    LDAPMessage(messageID: id, .intermediateResponse(custom), controls: [marker]),
                    LDAPMessage(messageID: id, .searchResultEntry(SearchResultEntry(objectName: "cn=a", attributes: []))),
                    LDAPMessage(messageID: id, .intermediateResponse(info)),
                    LDAPMessage(messageID: id, .searchResultReference(SearchResultReference(uris: ["ldap://elsewhere/"]))),
                    LDAPMessage(messageID: id, .searchResultEntry(SearchResultEntry(objectName: "cn=b", attributes: []))),
                    LDAPMessage(messageID: id, .searchResultDone(LDAPResult(.success))),
                ]
                return .send(responses.flatMap(\.encodedBytes))
            case .extendedRequest:
                let intermediate = LDAPMessage(messageID: id, .intermediateResponse(custom))
                let response = LDAPMessage(
                    messageID: id, .extendedResponse(ExtendedResponse(LDAPResult(.success), value: Array("dn:cn=scripted".utf8))))
                return .send(intermediate.encodedBytes + response.encodedBytes)
            default:
                return ScriptedLDAPServer.ordinary(request)
            }
        }) { server in
            try await Client.withUpstream(Self.configuration(server)) { upstream in
                let request = SearchRequest(baseObject: "cn=base", scope: .wholeSubtree, filter: .objectClassPresent)
                var events: [LDAPSearchEvent] = []
                for try await event in upstream.search(request) { events.append(event) }
                #expect(
                    events == [
                        .intermediate(custom, [marker]),
                        .entry(SearchResultEntry(objectName: "cn=a", attributes: []), []),
                        .intermediate(info, []),
                        .reference(SearchResultReference(uris: ["ldap://elsewhere/"]), []),
                        .entry(SearchResultEntry(objectName: "cn=b", attributes: []), []),
                        .done(LDAPResult(.success), []),
                    ])
                guard case .intermediate(let response, _) = events[2] else { return }
                #expect(try SyncInfoMessage(response) == .refreshPresent(cookie: Array("c1".utf8), refreshDone: false))
                #expect(try await Client.whoAmI(upstream) == "dn:cn=scripted")
            }
        }
    }

    @Test("a Notice of Disconnection mid-search fails the search; the pool replaces the connection")
    func noticeOfDisconnection() async throws {
        try await ScriptedLDAPServer.with({ request, connection in
            guard connection == 1, case .searchRequest = request.protocolOp else { return ScriptedLDAPServer.ordinary(request) }
            let entry = LDAPMessage(
                messageID: request.messageID, .searchResultEntry(SearchResultEntry(objectName: "cn=first", attributes: [])))
            let notice = LDAPMessage(
                messageID: 0,
                .extendedResponse(
                    ExtendedResponse(
                        LDAPResult(.unavailable, diagnosticMessage: "shutting down"), name: "1.3.6.1.4.1.1466.20036")))
            return .sendAndClose(entry.encodedBytes + notice.encodedBytes)
        }) { server in
            try await Client.withUpstream(Self.configuration(server)) { upstream in
                let request = SearchRequest(baseObject: "cn=base", scope: .baseObject, filter: .objectClassPresent)
                var entries = 0
                let error = try await #require(throws: LDAPClientError.self) {
                    for try await event in upstream.search(request) {
                        if case .entry = event { entries += 1 }
                    }
                }
                #expect(entries == 1)
                #expect(error.kind == .connectionClosed)
                #expect(error.message.contains("Notice of Disconnection: unavailable (52) \"shutting down\""), "\(error)")

                let again = try await Client.collect(upstream.search(request))
                #expect(again.dns == ["cn=base"])
                #expect(server.connections == 2)
            }
        }
    }

    @Test("a malformed response fails only its own operation")
    func malformedResponseIsolated() async throws {
        try await ScriptedLDAPServer.with({ request, _ in
            guard case .searchRequest(let search) = request.protocolOp, search.baseObject == "cn=bad" else {
                return ScriptedLDAPServer.ordinary(request)
            }
            // SearchResultEntry whose attribute list is an INTEGER: framed fine, undecodable.
            let id = UInt8(truncatingIfNeeded: request.messageID)
            return .send([0x30, 0x0B, 0x02, 0x01, id, 0x64, 0x06, 0x04, 0x01, 0x41, 0x02, 0x01, 0x00])
        }) { server in
            try await Client.withUpstream(Self.configuration(server)) { upstream in
                _ = try await Client.whoAmI(upstream)  // connect first: both searches share it
                let bad = Task {
                    try await Client.collect(
                        upstream.search(SearchRequest(baseObject: "cn=bad", scope: .baseObject, filter: .objectClassPresent)))
                }
                let good = Task {
                    try await Client.collect(
                        upstream.search(SearchRequest(baseObject: "cn=good", scope: .baseObject, filter: .objectClassPresent)))
                }
                let goodResult = try await good.value
                #expect(goodResult.dns == ["cn=good"])
                let error = try await #require(throws: LDAPClientError.self) { _ = try await bad.value }
                #expect(error.kind == .protocolError)
                #expect(error.message.contains("undecodable response to a search"), "\(error)")
                #expect(try await Client.whoAmI(upstream) == "dn:cn=scripted")
                #expect(server.connections == 1)
            }
        }
    }

    @Test("a server that never completes the TLS handshake: .timeout after the connect timeout")
    func connectTimeoutDuringHandshake() async throws {
        try await ScriptedLDAPServer.with({ _, _ in .nothing }) { server in
            var configuration = Self.configuration(server, .ldaps)
            configuration.connectTimeout = .milliseconds(500)
            try await Client.withUpstream(configuration) { upstream in
                let clock = ContinuousClock()
                let start = clock.now
                let error = try await #require(throws: LDAPClientError.self) { _ = try await Client.whoAmI(upstream) }
                #expect(error.kind == .timeout)
                #expect(error.message.contains("setting up TLS"), "\(error)")
                #expect(clock.now - start < .seconds(5))
            }
        }
    }

    @Test("a server that never answers the service bind: .timeout after the bind timeout")
    func bindTimeout() async throws {
        try await ScriptedLDAPServer.with({ request, _ in
            if case .bindRequest = request.protocolOp { return .nothing }
            return ScriptedLDAPServer.ordinary(request)
        }) { server in
            var configuration = Self.configuration(server)
            configuration.bindTimeout = .milliseconds(500)
            try await Client.withUpstream(configuration) { upstream in
                let error = try await #require(throws: LDAPClientError.self) { _ = try await Client.whoAmI(upstream) }
                #expect(error.kind == .timeout)
                #expect(error.message.contains("did not answer a bind within 500 ms"), "\(error)")
                // Skipped while the server is in back-off (0.5 s), else tried and timed out again.
                let verify = try await #require(throws: LDAPClientError.self) {
                    _ = try await upstream.verifyPassword(name: "cn=user", password: Array("pw".utf8))
                }
                #expect(verify.kind == .unavailable || verify.kind == .timeout)
                #expect(verify.message.contains("did not answer a bind"), "\(verify)")
            }
        }
    }

    @Test("all verification connections busy past the bind timeout: .busy")
    func verificationBusy() async throws {
        // LDAPS to a peer that never answers the handshake: the first verification holds the
        // only slot for the whole connect timeout, longer than the second one may wait.
        try await ScriptedLDAPServer.with({ _, _ in .nothing }) { server in
            var configuration = Self.configuration(server, .ldaps)
            configuration.verifyPoolSize = 1
            configuration.connectTimeout = .seconds(3)
            configuration.bindTimeout = .milliseconds(300)
            try await Client.withUpstream(configuration) { upstream in
                let first = Task { try await upstream.verifyPassword(name: "cn=a", password: Array("pw".utf8)) }
                try await Task.sleep(for: .milliseconds(100))
                let error = try await #require(throws: LDAPClientError.self) {
                    _ = try await upstream.verifyPassword(name: "cn=b", password: Array("pw".utf8))
                }
                #expect(error.kind == .busy)
                #expect(error.message.contains("all 1 password verification connections stayed busy"), "\(error)")
                first.cancel()
                _ = await first.result
            }
        }
    }
}
