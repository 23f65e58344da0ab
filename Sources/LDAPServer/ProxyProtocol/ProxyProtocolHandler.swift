import Logging
import NIOCore

/// First in the pipeline of a listener that trusts load balancers: reads the PROXY protocol
/// header (from a trusted peer) or makes sure there is none (from anyone else), then hands
/// the connection on with the client's real address and removes itself, passing on any
/// bytes that followed the header.
final class ProxyProtocolHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let trusted: Bool
    private let tcpPeer: LDAPPeerAddress
    private let logger: Logger
    /// Installs the rest of the pipeline for the client at this address.
    private let proceed: (LDAPPeerAddress, ChannelHandlerContext) throws -> Void
    private var buffered: ByteBuffer?
    private var done = false

    /// Longest header accepted: v1 is at most 107 bytes; v2 TLVs can be long, but a balancer
    /// sending more than this is misconfigured or hostile.
    static let maximumHeaderLength = 4096

    init(trusted: Bool, tcpPeer: LDAPPeerAddress, logger: Logger, proceed: @escaping (LDAPPeerAddress, ChannelHandlerContext) throws -> Void) {
        self.trusted = trusted
        self.tcpPeer = tcpPeer
        self.logger = logger
        self.proceed = proceed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else {
            context.fireChannelRead(data)
            return
        }
        var incoming = unwrapInboundIn(data)
        if buffered == nil { buffered = incoming } else { buffered!.writeBuffer(&incoming) }  // set on the line above
        guard let bytes = buffered?.readableBytesView else { return }
        if !trusted {
            // Only a trusted balancer may name another client: a header from anyone else is an attempt to forge one.
            if bytes.count < 12 && ProxyProtocolHeader.looksLikeHeader(bytes) { return }
            if ProxyProtocolHeader.looksLikeHeader(bytes) {
                refuse(context, "PROXY protocol header from an untrusted address")
                return
            }
            hand(context, peer: tcpPeer, skipping: 0)
            return
        }
        switch ProxyProtocolHeader.parse(Array(bytes.prefix(Self.maximumHeaderLength))) {
        case .needMoreData:
            if bytes.count >= Self.maximumHeaderLength { refuse(context, "PROXY protocol header too long") }
        case .invalid(let reason):
            refuse(context, reason)
        case .header(let length, let source):
            hand(context, peer: source ?? tcpPeer, skipping: length)
        }
    }

    private func hand(_ context: ChannelHandlerContext, peer: LDAPPeerAddress, skipping length: Int) {
        done = true
        do {
            try proceed(peer, context)
        } catch {
            refuse(context, "cannot set up the connection: \(error)")
            return
        }
        if var rest = buffered {
            buffered = nil
            rest.moveReaderIndex(forwardBy: length)
            if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(_ context: ChannelHandlerContext, _ reason: String) {
        done = true
        buffered = nil
        logger.warning("connection closed", metadata: ["peer": "\(tcpPeer)", "reason": "\(reason)"])
        context.close(promise: nil)
    }
}
