import LDAPCore
import LDAPNIO
import NIOCore

/// Cuts client PDUs out of the byte stream and decodes them. Unlike a generic
/// ByteToMessageHandler it stops decoding right after a StartTLS request, so bytes a client
/// (or an attacker on the wire) pipelined behind it stay visible as plaintext and the session
/// can refuse the upgrade instead of feeding them to the TLS layer (RFC 4511 §4.14.1, the
/// STARTTLS command-injection class of bugs).
final class LDAPRequestFramer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = LDAPMessage

    static let startTLSOID = "1.3.6.1.4.1.1466.20037"

    private let limits: LDAPLimits
    private var buffer: ByteBuffer?
    private var pausedForStartTLS = false
    private var failed = false
    /// Its own context: `resume` is called by the session handler, and messages must enter
    /// the pipeline here, not at the session handler's position (past the end).
    private var context: ChannelHandlerContext?

    init(limits: LDAPLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Bytes received but not yet decoded.
    var bufferedBytes: Int { buffer?.readableBytes ?? 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer?.writeBuffer(&incoming)
        }
        decodeAvailable(context: context)
    }

    /// Continues after a StartTLS request was answered (refused, or accepted and TLS installed).
    func resume() {
        pausedForStartTLS = false
        if let context { decodeAvailable(context: context) }
    }

    private func decodeAvailable(context: ChannelHandlerContext) {
        while !pausedForStartTLS && !failed, var pending = buffer {
            buffer = nil  // keep `pending` uniquely referenced while slicing
            do {
                guard let frame = try LDAPFrame.next(in: &pending, limits: limits) else {
                    buffer = pending
                    break
                }
                buffer = pending.readableBytes > 0 ? pending : nil
                let message = try LDAPMessage(decoding: frame, limits: limits)
                if case .extendedRequest(let request) = message.protocolOp, request.name == Self.startTLSOID {
                    pausedForStartTLS = true
                }
                context.fireChannelRead(wrapInboundOut(message))
            } catch {
                failed = true
                buffer = nil
                context.fireErrorCaught(error)
            }
        }
        if buffer?.readableBytes == 0 { buffer = nil }
    }
}
