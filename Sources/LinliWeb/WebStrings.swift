/// Every text the pages show, in zh-CN and English (Chinese first). Templates read them as
/// `{{t.key}}`; a key missing from one language is caught by a test.
public enum WebStrings {
    /// key → (Chinese, English): the shared table and each page group's own (e.g. `desk`).
    public static let all: [String: (zh: String, en: String)] = common.merging(desk) { first, _ in first }

    static let common: [String: (zh: String, en: String)] = [
        "rosterSheet": ("排班签到表", "Roster sign-in sheet"),
        "community": ("社区", "Community"),
        "team": ("巡逻队", "Patrol team"),
        "allTeams": ("全部班次", "All shifts"),
        "week": ("周次", "Week"),
        "version": ("排班版本", "Roster version"),
        "published": ("已发布", "published"),
        "draft": ("草稿", "draft"),
        "superseded": ("已被替代", "superseded"),
        "date": ("日期", "Date"),
        "time": ("时间", "Time"),
        "service": ("服务", "Service"),
        "place": ("地点", "Place"),
        "volunteers": ("志愿者", "Volunteers"),
        "signature": ("签名", "Signature"),
        "unfilled": ("（空缺）", "(unfilled)"),
        "cancelled": ("已取消", "cancelled"),
        "empty": ("本周没有班次", "There are no shifts this week"),
        "printed": ("打印时间", "Printed"),
        "printHint": ("按 Ctrl+P（苹果电脑 ⌘+P）打印本页，纸张选 A4。", "Press Ctrl+P (⌘+P on a Mac) to print this page on A4 paper."),
        "listSeparator": ("、", ", "),
        "languageSwitch": ("语言", "Language"),
        "signInTitle": ("登录邻里", "Sign in to Linli"),
        "signInIntro": ("请输入工作人员账号和密码。", "Enter your staff login and password."),
        "login": ("账号", "Login"),
        "password": ("密码", "Password"),
        "code": ("手机验证器上的 6 位验证码", "The 6-digit code from your authenticator app"),
        "signIn": ("登录", "Sign in"),
        "signOut": ("退出登录", "Sign out"),
        "wrongCredentials": ("账号或密码不正确，或账号已停用。请重新输入。", "Wrong login or password, or the account is disabled. Please try again."),
        "needCode": (
            "密码正确。请再输入手机验证器上显示的 6 位验证码。", "The password is right. Now enter the 6-digit code your authenticator app shows."
        ),
        "throttled": ("登录失败次数过多，请 {{minutes}} 分钟后再试。", "Too many failed sign-ins; try again in {{minutes}} minute(s)."),
        "welcome": ("您好，", "Welcome, "),
        "yourRoles": ("您的岗位", "Your roles"),
        "thisWeek": ("本周排班签到表", "This week's sign-in sheets"),
        "adminElsewhere": (
            "账号、社区和备份由管理员在命令行管理（linli --help）；接口说明见 /openapi.yaml。",
            "Accounts, communities and backups are managed by administrators on the command line (linli --help); the API is described at /openapi.yaml."
        ),
        "enrolTitle": ("启用两步验证", "Set up your second factor"),
        "enrolIntro": (
            "管理员和协调员的账号须使用手机验证器（如微信小程序「腾讯身份验证器」、Google Authenticator、Microsoft Authenticator）登录。启用之前，您只能进行这一步。",
            "Administrators and coordinators sign in with an authenticator app (Tencent Authenticator, Google Authenticator, Microsoft Authenticator …). Until it is set up, this is all your account can do."
        ),
        "enrolStart": ("生成密钥", "Create my key"),
        "enrolScan": (
            "在验证器中添加账号：输入下面的密钥（或在手机上点击链接），然后填写验证器显示的 6 位验证码。",
            "Add an account in your authenticator app: type the key below (or open the link on the phone), then enter the 6-digit code the app shows."
        ),
        "enrolLink": ("在手机上打开此链接添加", "Open this link on the phone to add it"),
        "enrolConfirm": ("确认启用", "Confirm"),
        "enrolWrongCode": (
            "验证码不正确或已用过。请输入验证器上新显示的 6 位数字；如密钥未加入验证器，请重新生成密钥。",
            "The code is wrong or was used. Enter the app's current 6 digits; if the key is not in the app, create a new key."
        ),
        "enrolHelp": (
            "换了手机或无法使用验证器时，请管理员执行 linli user totp 您的账号 --remove。",
            "If you change phones or lose the app, an administrator runs linli user totp YOUR-LOGIN --remove."
        ),
        "role.administrator": ("管理员", "Administrator"),
        "role.coordinator": ("协调员", "Coordinator"),
        "role.desk_staff": ("服务台", "Desk staff"),
        "role.patrol_leader": ("巡逻队长", "Patrol leader"),
    ]

    /// The strings of one language, keyed as in `all`.
    public static func table(_ language: PageLanguage) -> [String: String] {
        all.mapValues { language == .en ? $0.en : $0.zh }
    }

    /// One string; the key itself when there is none (visible, and caught by the tests).
    public static func text(_ key: String, _ language: PageLanguage) -> String {
        guard let pair = all[key] else { return key }
        return language == .en ? pair.en : pair.zh
    }
}
