// The codec's fuzz target. Built with -DFUZZING (see README "Fuzzing") it links libFuzzer and
// hands control to its driver; built normally it replays files or directories given on the
// command line through the same checks, which is how crashers are reproduced.
import Foundation

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(
    LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        FuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    })
#else
let paths = CommandLine.arguments.dropFirst()
if paths.isEmpty {
    print("usage: LDAPFuzz FILE-OR-DIRECTORY... (replays inputs; build with -DFUZZING to fuzz)")
    exit(2)
}
var count = 0
for path in paths {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        print("no such file: \(path)")
        exit(1)
    }
    let files =
        isDirectory.boolValue
        ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasSuffix(".md") }.sorted()
            .map { path + "/" + $0 }
        : [path]
    for file in files {
        guard let data = FileManager.default.contents(atPath: file) else { continue }
        data.withUnsafeBytes { FuzzTarget.run($0) }
        count += 1
    }
}
print("replayed \(count) inputs without a crash")
#endif
