import Foundation
import RollbookBench

// A synchronous main that waits: valgrind 3.19 stops when an async main gives its thread to libdispatch
// (`dispatch_main` ends the main thread), as `rollbook`'s does.
let done = DispatchSemaphore(value: 0)
Task.detached {
    await BenchGuard.main(Array(CommandLine.arguments.dropFirst()))
    done.signal()
}
done.wait()
