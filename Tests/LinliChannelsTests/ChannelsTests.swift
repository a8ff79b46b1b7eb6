import AsyncHTTPClient
import Foundation
import LinliChannels
import LinliSettings
import Testing

@Suite("Channels and their settings")
struct ChannelsTests {
    @Test("with nothing configured every kind is delivered by the outbox, so a demo works offline")
    func outboxFallback() async throws {
        let channels = Channels(configuration: ChannelConfiguration(), httpClient: .shared)
        for kind in ChannelKind.allCases {
            #expect(channels.channel(for: kind).kind == .outbox)
            #expect(channels.isConfigured(kind) == (kind == .outbox))
            let receipt = try await channels.channel(for: kind).deliver(
                OutgoingMessage(idempotencyKey: "demo-1", kind: kind, address: "13800001111", body: "明天9点巡逻"))
            #expect(receipt == DeliveryReceipt(channel: .outbox))
        }
        try await channels.shutdown()
    }

    @Test("configured kinds get their own channel; Channels with its own HTTP client shuts it down")
    func configured() async throws {
        let settings = try await LinliSettings.load(environment: [
            "LINLI_SMS_WEBHOOK_URL": "https://sms.example.cn/linli", "LINLI_SMS_WEBHOOK_SECRET": "0123456789abcdef",
            "LINLI_SENDMAIL_PATH": "/usr/sbin/sendmail", "LINLI_MAIL_FROM": "linli@example.cn",
            "LINLI_CHANNEL_TIMEOUT_SECONDS": "2.5",
        ])
        let configuration = ChannelConfiguration(settings: settings)
        #expect(configuration.timeout == .milliseconds(2500))
        let channels = Channels(configuration: configuration)
        #expect(channels.channel(for: .sms).kind == .sms)
        #expect(channels.channel(for: .wecom).kind == .wecom, "WeCom's official address is the default")
        #expect(channels.channel(for: .email).kind == .email)
        #expect(ChannelKind.allCases.allSatisfy { channels.isConfigured($0) })
        try await channels.shutdown()

        let offline = Channels(
            configuration: ChannelConfiguration(
                settings: try await LinliSettings.load(environment: ["LINLI_WECOM_WEBHOOK_URL": "off"])))
        #expect(!offline.isConfigured(.wecom))
        #expect(!offline.isConfigured(.sms))
        #expect(!offline.isConfigured(.email))
        try await offline.shutdown()
    }

    @Test(
        "channel settings: the SMS URL without its secret is refused naming the secret's variable; other bad values name theirs")
    func settings() async throws {
        let defaults = try await LinliSettings.load(environment: [:])
        #expect(defaults.smsWebhookURL == nil)
        #expect(defaults.channelTimeoutSeconds == 10)
        #expect(defaults.wecomWebhookURL == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
        #expect(defaults.sendmailPath == nil)
        #expect(defaults.replyWebhookSecret == nil)

        func refusal(_ environment: [String: String]) async -> SettingsError? {
            await #expect(throws: SettingsError.self) { try await LinliSettings.load(environment: environment) }
        }
        let noSecret = await refusal(["LINLI_SMS_WEBHOOK_URL": "https://sms.example.cn/linli"])
        #expect(noSecret?.variable == "LINLI_SMS_WEBHOOK_SECRET")
        #expect(noSecret?.description.contains("LINLI_SMS_WEBHOOK_URL") == true)
        let shortSecret = await refusal(["LINLI_SMS_WEBHOOK_URL": "https://sms.example.cn/", "LINLI_SMS_WEBHOOK_SECRET": "abc"])
        #expect(shortSecret?.variable == "LINLI_SMS_WEBHOOK_SECRET")
        #expect(shortSecret?.description.contains("abc") == false, "a secret is never repeated")
        #expect(await refusal(["LINLI_SMS_WEBHOOK_URL": "sms.example.cn"])?.variable == "LINLI_SMS_WEBHOOK_URL")
        #expect(await refusal(["LINLI_WECOM_WEBHOOK_URL": "ftp://x"])?.variable == "LINLI_WECOM_WEBHOOK_URL")
        #expect(await refusal(["LINLI_CHANNEL_TIMEOUT_SECONDS": "0"])?.variable == "LINLI_CHANNEL_TIMEOUT_SECONDS")
        #expect(
            await refusal(["LINLI_SENDMAIL_PATH": "sendmail", "LINLI_MAIL_FROM": "a@b.cn"])?.variable == "LINLI_SENDMAIL_PATH")
        #expect(await refusal(["LINLI_SENDMAIL_PATH": "/usr/sbin/sendmail"])?.variable == "LINLI_MAIL_FROM")
        #expect(await refusal(["LINLI_MAIL_FROM": "linli@example.cn\nBcc: x@y.cn"])?.variable == "LINLI_MAIL_FROM")
        #expect(await refusal(["LINLI_REPLY_WEBHOOK_SECRET": "short"])?.variable == "LINLI_REPLY_WEBHOOK_SECRET")

        let all = try await LinliSettings.load(environment: [
            "LINLI_SMS_WEBHOOK_URL": "https://sms.example.cn/linli", "LINLI_SMS_WEBHOOK_SECRET": "0123456789abcdef",
            "LINLI_REPLY_WEBHOOK_SECRET": "fedcba9876543210",
            "LINLI_WECOM_WEBHOOK_URL": "http://127.0.0.1:9/cgi-bin/webhook/send",
        ])
        #expect(all.smsWebhookSecret == "0123456789abcdef")
        #expect(all.replyWebhookSecret == "fedcba9876543210")
        #expect(all.wecomWebhookURL == "http://127.0.0.1:9/cgi-bin/webhook/send")
    }
}
