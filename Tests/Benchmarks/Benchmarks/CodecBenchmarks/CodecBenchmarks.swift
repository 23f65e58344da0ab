// Codec micro-benchmarks: what one proxied search costs Veneer in the codec, per PDU. Each
// benchmark runs its operation 1,000 times per iteration (`scaledIterations`), so the reported
// wall-clock and malloc figures are per 1,000 PDUs unless the scaling factor is shown as 1.
import Benchmark
import LDAPCore
import NIOCore

/// A person entry as the upstream returns it for the phonebook (10 attributes, 12 values).
let entry = LDAPMessage(
    messageID: 7,
    .searchResultEntry(
        SearchResultEntry(
            objectName: "uid=user01234,ou=people,dc=example,dc=com",
            attributes: [
                PartialAttribute(type: "objectClass", strings: ["top", "person", "organizationalPerson", "inetOrgPerson"]),
                PartialAttribute(type: "uid", strings: ["user01234"]),
                PartialAttribute(type: "cn", strings: ["Elena Abbhgon"]),
                PartialAttribute(type: "sn", strings: ["Abbhgon"]),
                PartialAttribute(type: "givenName", strings: ["Elena"]),
                PartialAttribute(type: "mail", strings: ["user01234@example.com"]),
                PartialAttribute(type: "telephoneNumber", strings: ["+1 555 001234"]),
                PartialAttribute(type: "mobile", strings: ["+1 555 9001234"]),
                PartialAttribute(type: "title", strings: ["Engineer"]),
                PartialAttribute(type: "entryUUID", strings: ["6c1b7d7e-3a43-103f-8e4b-2b9a1f0e5c11"]),
            ])))
let entryBytes = entry.encoded

let phonebookFilterText = "(&(objectClass=inetOrgPerson)(|(cn=*bbhg*)(telephoneNumber=*001234*)))"
let phonebookFilter = try! LDAPFilter(phonebookFilterText)
let phonebookSearch = LDAPMessage(
    messageID: 9,
    .searchRequest(
        SearchRequest(
            baseObject: "dc=example,dc=com", scope: .wholeSubtree, filter: phonebookFilter,
            attributes: ["cn", "mail", "telephoneNumber", "sn", "givenName"])))
let phonebookSearchBytes = phonebookSearch.encoded
let bindBytes = LDAPMessage(messageID: 3, .bindRequest(.simple(name: "uid=user01234,ou=people,dc=example,dc=com", password: Array("password-01234".utf8)))).encoded

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    Benchmark("SearchResultEntry decode") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try LDAPMessage(decoding: entryBytes, limits: .upstreamResponses))
        }
    }

    Benchmark("SearchResultEntry encode") { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 512)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            entry.encode(into: &buffer)
            blackHole(buffer)
        }
    }

    Benchmark("SearchResultEntry decode+encode (proxy pass-through)") { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 512)
        for _ in benchmark.scaledIterations {
            let message = try LDAPMessage(decoding: entryBytes, limits: .upstreamResponses)
            buffer.clear()
            message.encode(into: &buffer)
            blackHole(buffer)
        }
    }

    Benchmark("SearchRequest with phonebook filter decode") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try LDAPMessage(decoding: phonebookSearchBytes))
        }
    }

    Benchmark("SearchRequest with phonebook filter encode") { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        for _ in benchmark.scaledIterations {
            buffer.clear()
            phonebookSearch.encode(into: &buffer)
            blackHole(buffer)
        }
    }

    Benchmark("Filter parse (RFC 4515)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try LDAPFilter(phonebookFilterText))
        }
    }

    Benchmark("Filter print (RFC 4515)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(phonebookFilter.description)
        }
    }

    Benchmark("BindRequest decode") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try LDAPMessage(decoding: bindBytes))
        }
    }
}
