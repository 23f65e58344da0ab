/// Collects the problems found while reading one file, so that reading goes on after the first
/// mistake and the operator sees every problem at once.
final class ProblemLog {
    let file: String
    private(set) var problems: [ConfigurationProblem] = []

    init(file: String) {
        self.file = file
    }

    func add(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(file: file, key: key, message: message))
    }

    func add(_ problem: ConfigurationProblem) {
        problems.append(problem)
    }

    var isEmpty: Bool { problems.isEmpty }

    /// Throws everything collected, if anything.
    func check() throws(ConfigurationError) {
        if !problems.isEmpty { throw ConfigurationError(problems) }
    }
}
