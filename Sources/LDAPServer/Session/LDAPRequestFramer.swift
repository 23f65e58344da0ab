import LDAPCore
import LDAPNIO
import NIOCore

/// Decodes client PDUs cut by an `LDAPFramer`. Unlike a generic ByteToMessageHandler it pauses
/// the framer right after a StartTLS request, so bytes a client (or an attacker on the wire)
/// pipelined behind it stay visible as plaintext (`bufferedBytes`) and the session can refuse
/// the upgrade instead of feeding them to the TLS layer (RFC 4511 §4.14.1, the STARTTLS
/// command-injection class of bugs).
final class LDAPRequestFramer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = LDAPMessage

    static let startTLSOID = "1.3.6.1.4.1.1466.20037"

    private let limits: LDAPLimits
    private let framer: LDAPFramer
    private var failed = false
    /// Its own context: `resume` is called by the session handler, and messages must enter
    /// the pipeline here, not at the session handler's position (past the end).
    private var context: ChannelHandlerContext?

    init(limits: LDAPLimits) {
        self.limits = limits
        self.framer = LDAPFramer(limits: limits)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Bytes received but not yet decoded.
    var bufferedBytes: Int { framer.bufferedBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let bytes = unwrapInboundIn(data)
        deliver(context: context) { receive in try framer.process(bytes, receive) }
    }

    /// Continues after a StartTLS request was answered (refused, or accepted and TLS installed).
    func resume() {
        guard let context, !failed else { return }
        deliver(context: context) { receive in try framer.resume(receive) }
    }

    private func deliver(context: ChannelHandlerContext, _ frames: ((ByteBuffer) throws -> Void) throws -> Void) {
        do {
            try frames { frame in
                let message = try LDAPMessage(decoding: frame, limits: limits)
                if case .extendedRequest(let request) = message.protocolOp, request.name == Self.startTLSOID {
                    framer.pause()
                }
                context.fireChannelRead(wrapInboundOut(message))
            }
        } catch {
            // Any error is final (RFC 4511 §4.1.1): the session answers with a Notice of
            // Disconnection and closes.
            failed = true
            context.fireErrorCaught(error)
        }
    }
}
