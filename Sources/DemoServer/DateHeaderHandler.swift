import Foundation
import NIOCore
import NIOHTTPTypes
import TokenModel

/// Writes the authorization server's own time into every answer's `Date` header (RFC 9110
/// §6.6.1), so a clock-offset fault shows there as real servers' clock errors do. Hummingbird
/// sets `Date` from the system clock after the router has answered; this handler sits below it
/// in the channel pipeline and has the last word.
final class DateHeaderHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let clock: any TokenClock
    /// One per channel, used on its event loop only.
    private let formatter: DateFormatter

    init(clock: any TokenClock) {
        self.clock = clock
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[.date] = formatter.string(from: clock.now())
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
