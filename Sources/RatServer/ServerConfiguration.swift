/// How `rat serve` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    /// The address to bind: loopback unless the user says otherwise.
    public var host = "127.0.0.1"
    /// The TCP port; 0 lets the system choose one (``TraceServer/run(onListening:)`` reports it).
    public var port = 8080
    /// The largest request body, in bytes (413 above).
    public var maxBody = 1 << 20
    /// The most tokens a request may trace or generate (400 above).
    public var maxTokens = 4096
    /// Requests waiting for or holding the model at once (503 above).
    public var maxQueue = 32

    /// A configuration; the defaults are `rat serve`'s: loopback, port 8080, 1 MiB bodies, 4096
    /// tokens, 32 requests.
    public init(host: String = "127.0.0.1", port: Int = 8080, maxBody: Int = 1 << 20, maxTokens: Int = 4096, maxQueue: Int = 32) {
        self.host = host
        self.port = port
        self.maxBody = maxBody
        self.maxTokens = maxTokens
        self.maxQueue = maxQueue
    }

    /// Loopback addresses, which a server may bind without exposing the model to the network.
    public var isLoopback: Bool { ["127.0.0.1", "localhost", "::1"].contains(host) }
}
