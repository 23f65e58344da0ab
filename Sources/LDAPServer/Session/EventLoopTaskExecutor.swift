import NIOCore

/// Runs a task's jobs on one NIO event loop (SE-0417 task executor preference).
///
/// A request task started with this preference runs the engine's non-isolated async code on
/// the client connection's own event loop: its responses are written from the loop that owns
/// the channel (no hop), and when the upstream connection it uses lives on the same loop a
/// whole proxied search runs on one thread. Without it every request bounces between the event
/// loop and the global concurrent pool several times (each hop a thread wake-up), which
/// profiles of `veneer bench` showed as the largest single cost on a small machine.
///
/// Anything that blocks (a synchronous database call, a slow hash) must therefore not run
/// inline in a request handler: it would stall every connection on the loop.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute {
            job.runSynchronously(on: executor)
        }
    }
}
