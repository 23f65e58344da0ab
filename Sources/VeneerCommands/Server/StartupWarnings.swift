/// Everything `serve` warns about before it listens, in one list: `serve` logs it and
/// `check` prints it, so `check` cannot say ok about a configuration `serve` then warns about.
extension VeneerConfiguration {
    func startupWarnings(schema: ServedSchema) -> [String] {
        var list = warnings
        if store.secretKey == nil, overlay.digest != nil {
            list.append("no secret key configured ([store] secret_key_file or secret_key_env): SIP digest secrets cannot be stored")
        }
        return list + schema.warnings
    }
}
