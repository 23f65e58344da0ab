// Directory views and policy: see ProxyDirectory.swift.
