import AsyncHTTPClient
import LinliSettings
import NIOCore

/// Which channels this installation can use, read from `LinliSettings`.
public struct ChannelConfiguration: Sendable {
    /// The SMS gateway's webhook and its signing secret; nil: SMS goes to the outbox.
    public var smsWebhook: (url: String, secret: String)?
    /// The WeCom robot webhook's base address; nil: WeCom messages go to the outbox.
    public var wecomBaseURL: String?
    /// The sendmail-compatible program and the `From:` mailbox; nil: e-mail goes to the outbox.
    public var sendmail: (program: String, from: String)?
    /// The longest one delivery may take.
    public var timeout: Duration

    public init(
        smsWebhook: (url: String, secret: String)? = nil, wecomBaseURL: String? = nil,
        sendmail: (program: String, from: String)? = nil, timeout: Duration = .seconds(10)
    ) {
        self.smsWebhook = smsWebhook
        self.wecomBaseURL = wecomBaseURL
        self.sendmail = sendmail
        self.timeout = timeout
    }

    /// The channels `settings` configure (`LINLI_SMS_WEBHOOK_*`, `LINLI_WECOM_WEBHOOK_URL`,
    /// `LINLI_SENDMAIL_PATH`, `LINLI_MAIL_FROM`, `LINLI_CHANNEL_TIMEOUT_SECONDS`).
    public init(settings: LinliSettings) {
        let sms: (url: String, secret: String)? =
            if let url = settings.smsWebhookURL, let secret = settings.smsWebhookSecret { (url, secret) } else { nil }
        let mail: (program: String, from: String)? =
            if let program = settings.sendmailPath, let from = settings.mailFrom { (program, from) } else { nil }
        self.init(
            smsWebhook: sms, wecomBaseURL: settings.wecomWebhookURL, sendmail: mail,
            timeout: .milliseconds(Int64(settings.channelTimeoutSeconds * 1000)))
    }
}

/// The channel for each kind of message, built once per process over one shared HTTP client.
/// A kind that is not configured is delivered by the outbox.
public struct Channels: Sendable {
    public let configuration: ChannelConfiguration
    private let sms: WebhookSMSChannel?
    private let wecom: WeComRobotChannel?
    private let email: SendmailChannel?
    private let outbox = OutboxChannel()
    /// The HTTP client this value created, which `shutdown()` ends; nil when it was lent one.
    private let ownedClient: HTTPClient?

    /// Channels over `httpClient`, which the caller keeps and shuts down.
    public init(configuration: ChannelConfiguration, httpClient: HTTPClient) {
        self.init(configuration: configuration, client: httpClient, owned: false)
    }

    /// Channels over an HTTP client of their own (no redirects followed); call `shutdown()`.
    public init(configuration: ChannelConfiguration) {
        var clientConfiguration = HTTPClient.Configuration()
        clientConfiguration.redirectConfiguration = .disallow
        clientConfiguration.timeout.connect = .init(configuration.timeout)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: clientConfiguration)
        self.init(configuration: configuration, client: client, owned: true)
    }

    private init(configuration: ChannelConfiguration, client: HTTPClient, owned: Bool) {
        self.configuration = configuration
        self.ownedClient = owned ? client : nil
        sms = configuration.smsWebhook.map {
            WebhookSMSChannel(url: $0.url, secret: $0.secret, timeout: configuration.timeout, client: client)
        }
        wecom = configuration.wecomBaseURL.map {
            WeComRobotChannel(baseURL: $0, timeout: configuration.timeout, client: client)
        }
        email = configuration.sendmail.map {
            SendmailChannel(program: $0.program, from: $0.from, timeout: configuration.timeout)
        }
    }

    /// The channel that delivers `kind`: its own when configured, otherwise the outbox.
    public func channel(for kind: ChannelKind) -> any MessageChannel {
        switch kind {
        case .sms: sms ?? outbox
        case .wecom: wecom ?? outbox
        case .email: email ?? outbox
        case .outbox: outbox
        }
    }

    /// Whether `kind` has a channel of its own (the outbox always has).
    public func isConfigured(_ kind: ChannelKind) -> Bool {
        channel(for: kind).kind == kind
    }

    /// Ends the HTTP client if these channels created it; does nothing otherwise.
    public func shutdown() async throws {
        try await ownedClient?.shutdown()
    }
}
