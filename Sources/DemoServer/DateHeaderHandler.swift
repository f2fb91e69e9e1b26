import Foundation
import NIOCore
import NIOHTTPTypes
import ProtocolSupport
import TokenModel

/// Writes the authorization server's own time into every answer's `Date` header (RFC 9110
/// §6.6.1), so a clock-offset fault shows there as real servers' clock errors do. Hummingbird
/// sets `Date` from the system clock after the router has answered; this handler sits below it
/// in the channel pipeline and has the last word.
final class DateHeaderHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let clock: any TokenClock

    init(clock: any TokenClock) {
        self.clock = clock
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[.date] = HTTPDate.format(clock.now())
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
