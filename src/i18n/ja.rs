//! The Japanese table: every English message template of the service beside its Japanese.
//!
//! In the English, `{}` stands for any text that is copied as it is (an id, a field name, a
//! value the client sent) and `{t}` for a message of its own that is translated too; in the
//! Japanese, `{0}`, `{1}` ... name the placeholders in the order the English has them, since
//! Japanese puts them elsewhere. Templates match whole messages; the most specific wins.
//! `i18n::tests` fails when a message literal of `src/` has no template here.

/// `(English template, Japanese template)`.
pub(super) const MESSAGES: &[(&str, &str)] = &[
    // --- Requests that cannot be read (extract.rs, middleware.rs, error.rs) ---
    (
        "send the body as application/json",
        "ボディは application/json で送信してください",
    ),
    (
        "the request body is empty; send a JSON object",
        "リクエストボディが空です。JSON オブジェクトを送信してください",
    ),
    (
        "the request body is not valid JSON: {t}",
        "リクエストボディが正しい JSON ではありません: {0}",
    ),
    ("has a key that {t}", "キーが不正です: {0}"),
    (
        "the request body did not arrive within {} s",
        "リクエストボディが{0}秒以内に届きませんでした",
    ),
    (
        "the request body could not be read",
        "リクエストボディを読み取れませんでした",
    ),
    (
        "request bodies are limited to {} bytes",
        "リクエストボディは{0}バイトまでです",
    ),
    (
        "the query string is invalid: {t}",
        "クエリ文字列が正しくありません: {0}",
    ),
    ("Query deserialize error: {t}", "解析エラー: {0}"),
    ("nothing is found at {}", "{0} には何もありません"),
    (
        "nothing is found at this address",
        "このアドレスには何もありません",
    ),
    (
        "the request did not arrive in time",
        "リクエストが時間内に届きませんでした",
    ),
    ("unsupported media type", "対応していないメディアタイプです"),
    ("a bearer token is required", "Bearer トークンが必要です"),
    ("forbidden", "この操作の権限がありません"),
    ("bad request", "リクエストが正しくありません"),
    (
        "the body's Content-Encoding {} is not one this service reads (identity, gzip, deflate, br, zstd)",
        "ボディの Content-Encoding {0} には対応していません（対応しているのは identity, gzip, deflate, br, zstd です）",
    ),
    (
        "If-Match must be visible ASCII text",
        "If-Match は表示可能な ASCII 文字で送信してください",
    ),
    (
        "Idempotency-Key must be visible ASCII",
        "Idempotency-Key は表示可能な ASCII 文字で送信してください",
    ),
    (
        "Idempotency-Key must be 1 to {} visible ASCII characters",
        "Idempotency-Key は表示可能な ASCII 文字1〜{0}文字で送信してください",
    ),
    (
        "this path answers to {}",
        "このパスで使えるメソッドは {0} です",
    ),
    // The reason phrases actix's own 4xx answers carry (extract::problem_for_status).
    ("Bad Request", "リクエストが正しくありません"),
    ("Not Acceptable", "受け付けられる表現がありません"),
    ("Length Required", "Content-Length が必要です"),
    ("URI Too Long", "URI が長すぎます"),
    (
        "Request Header Fields Too Large",
        "リクエストヘッダーが大きすぎます",
    ),
    (
        "Expectation Failed",
        "Expect ヘッダーの要求に応えられません",
    ),
    // --- Summaries of a problem (error.rs) ---
    ("1 field is invalid", "1件の項目が正しくありません"),
    ("{} fields are invalid", "{0}件の項目が正しくありません"),
    (
        "{} parameters are invalid",
        "{0}件のパラメーターが正しくありません",
    ),
    ("{}: {t}", "{0}: {1}"),
    ("{t}: {}", "{0}: {1}"),
    (
        "slow down; try again in {} s",
        "リクエストが多すぎます。{0}秒後に再試行してください",
    ),
    (
        "a database statement took longer than allowed; try again shortly",
        "データベースの処理が制限時間を超えました。しばらくしてから再試行してください",
    ),
    (
        "the records are held by other work for longer than allowed; try again shortly",
        "対象のデータが他の処理で制限時間を超えてロックされています。しばらくしてから再試行してください",
    ),
    (
        "the database is busy with other work; try again shortly",
        "データベースが他の処理で混み合っています。しばらくしてから再試行してください",
    ),
    (
        "the database does not answer; try again shortly",
        "データベースが応答しません。しばらくしてから再試行してください",
    ),
    (
        "the read replica is further behind than allowed; try again shortly",
        "読み取り用レプリカの遅延が許容範囲を超えています。しばらくしてから再試行してください",
    ),
    (
        "the read replica does not answer; try again shortly",
        "読み取り用レプリカが応答しません。しばらくしてから再試行してください",
    ),
    (
        "something went wrong on our side; it has been logged",
        "サーバー側で問題が発生しました。記録してあります",
    ),
    (
        "another request changed the same records at the same moment; retry",
        "別のリクエストが同時に同じレコードを変更しました。再試行してください",
    ),
    (
        "the case is already linked to the case {}",
        "この案件は既に案件 {0} と関連付けられています",
    ),
    (
        "the case is {}; reopen it before linking or dismissing",
        "案件は {0} です。関連付けや提案の取り下げの前に再開してください",
    ),
    // --- Merging duplicates (services/tickets/merge.rs, routes/tickets/merge.rs) ---
    (
        "the case was merged into another; link the case it was merged into",
        "この案件は別の案件に統合されています。統合先の案件を関連付けてください",
    ),
    (
        "names the case itself; name the case the duplicate should be merged into",
        "案件自身を指しています。重複案件の統合先となる案件を指定してください",
    ),
    (
        "only a case still being worked can be merged into another",
        "別の案件に統合できるのは対応中の案件だけです",
    ),
    (
        "the case {} was itself merged into another case; merge into the case it was merged into",
        "案件 {0} 自体が別の案件に統合されています。その統合先の案件に統合してください",
    ),
    (
        "the case {} is {}; a case can only be merged into one that is still open or resolved",
        "案件 {0} は {1} です。統合先にできるのは対応中または解決済みの案件だけです",
    ),
    (
        "the cases are about different companies ({} and {}); send \"force\": true to merge them anyway",
        "別々の企業の案件です（{0} と {1}）。それでも統合する場合は \"force\": true を送信してください",
    ),
    // --- Personal data (services/personal_data/, routes/personal_data/) ---
    (
        "must be an RFC 3339 time like 2026-12-01T09:00:00+09:00 or a day like 2026-12-01",
        "2026-12-01T09:00:00+09:00 のような RFC 3339 の日時か、2026-12-01 のような日付で指定してください",
    ),
    ("must be after from", "from より後にしてください"),
    (
        "only a partner's filing records where the data came from; omit it",
        "データの取得経緯を記録するのはパートナーの登録だけです。指定しないでください",
    ),
    (
        "no personal data is held under this e-mail",
        "このメールアドレスの個人データは保有していません",
    ),
    (
        "the person's cases {} are still open; close or cancel them first, or send \"force\": true",
        "本人の案件 {0} はまだ対応中です。先に完了または取消にするか、\"force\": true を送信してください",
    ),
    // --- Consultants' calendars (services/calendars.rs, routes/consultant_calendars.rs) ---
    (
        "no calendar feed is found at this address",
        "このアドレスにはカレンダーフィードがありません",
    ),
    (
        "the manager {} has no calendar feed",
        "担当者 {0} にはカレンダーフィードがありません",
    ),
    (
        "the case has no track nor routing suggestion yet; route it first",
        "案件にはまだトラックも振り分けの提案もありません。先に振り分けてください",
    ),
    (
        "the case changed at the same moment; read it again and retry",
        "案件が同時に変更されました。読み直してから再試行してください",
    ),
    (
        "the session changed at the same moment; read it again and retry",
        "セッションが同時に変更されました。読み直してから再試行してください",
    ),
    (
        "the {} changed at the same moment; read it again and retry",
        "{0} が同時に変更されました。読み直してから再試行してください",
    ),
    ("is invalid ({})", "正しくありません（{0}）"),
    // --- serde and serde_json, as the JSON body's fields are read ---
    (
        "unknown field `{}`, expected one of {}",
        "不明な項目 `{0}` です。使える項目: {1}",
    ),
    (
        "unknown field `{}`, expected {}",
        "不明な項目 `{0}` です。使える項目: {1}",
    ),
    (
        "unknown field `{}`, there are no fields",
        "不明な項目 `{0}` です。ここには項目を置けません",
    ),
    ("missing field `{}`", "必須項目 `{0}` がありません"),
    ("duplicate field `{}`", "項目 `{0}` が重複しています"),
    (
        "unknown variant `{}`, expected one of {}",
        "不明な値 `{0}` です。使える値: {1}",
    ),
    (
        "unknown variant `{}`, expected {}",
        "不明な値 `{0}` です。使える値: {1}",
    ),
    (
        "unknown variant `{}`, there are no variants",
        "不明な値 `{0}` です",
    ),
    (
        "invalid type: {}, expected {}",
        "型が正しくありません（{0} が送られましたが、{1} が必要です）",
    ),
    (
        "invalid value: {}, expected {}",
        "値が正しくありません（{0} が送られましたが、{1} が必要です）",
    ),
    (
        "invalid length {}, expected {}",
        "長さが正しくありません（{0} ですが、{1} が必要です）",
    ),
    (
        "data did not match any variant of untagged enum {}",
        "どの形式にも当てはまりません（{0}）",
    ),
    ("{t} at line {} column {}", "{0}（{1}行目 {2}文字目）"),
    (
        "EOF while parsing a list",
        "配列の途中でデータが終わっています",
    ),
    (
        "EOF while parsing an object",
        "オブジェクトの途中でデータが終わっています",
    ),
    (
        "EOF while parsing a string",
        "文字列の途中でデータが終わっています",
    ),
    (
        "EOF while parsing a value",
        "値の途中でデータが終わっています",
    ),
    ("expected `:`", "`:` が必要です"),
    ("expected `,` or `]`", "`,` か `]` が必要です"),
    ("expected `,` or `}`", "`,` か `}` が必要です"),
    ("expected ident", "識別子が必要です"),
    ("expected value", "値が必要です"),
    ("expected `\"`", "`\"` が必要です"),
    ("invalid escape", "エスケープが正しくありません"),
    ("invalid number", "数値が正しくありません"),
    ("number out of range", "数値が範囲外です"),
    (
        "invalid unicode code point",
        "Unicode のコードポイントが正しくありません",
    ),
    (
        "control character (\\u0000-\\u001F) found while parsing a string",
        "文字列に制御文字（\\u0000-\\u001F）が含まれています",
    ),
    ("key must be a string", "キーは文字列にしてください"),
    (
        "lone leading surrogate in hex escape",
        "16進エスケープのサロゲートが対になっていません",
    ),
    ("trailing comma", "末尾に余分なカンマがあります"),
    ("trailing characters", "JSON の後に余分なデータがあります"),
    (
        "unexpected end of hex escape",
        "16進エスケープが途中で終わっています",
    ),
    ("recursion limit exceeded", "入れ子が深すぎます"),
    (
        "invalid digit found in string",
        "数字でない文字が含まれています",
    ),
    (
        "cannot parse integer from empty string",
        "空の文字列は整数として読めません",
    ),
    (
        "number too large to fit in target type",
        "数値が大きすぎます",
    ),
    (
        "number too small to fit in target type",
        "数値が小さすぎます",
    ),
    ("invalid float literal", "数値として読めません"),
    (
        "provided string was not `true` or `false`",
        "true か false を指定してください",
    ),
    ("premature end of input", "入力が途中で終わっています"),
    (
        "input contains invalid characters",
        "入力に使えない文字が含まれています",
    ),
    ("input is out of range", "入力が範囲外です"),
    ("trailing input", "入力の後に余分なデータがあります"),
    // --- Text every field passes (domain/text.rs) ---
    (
        "must not contain the NUL character (U+0000)",
        "NUL 文字（U+0000）は使えません",
    ),
    (
        "must be a single line (no tab or line break)",
        "1行で入力してください（タブや改行は使えません）",
    ),
    (
        "must not contain control characters (found U+{})",
        "制御文字は使えません（U+{0} が含まれています）",
    ),
    // --- Field rules shared by many requests ---
    ("is required", "必須です"),
    ("is sent more than once", "複数回送信されています"),
    ("must not be empty", "空にはできません"),
    ("must not be blank", "空白だけにはできません"),
    (
        "must be at most {} characters",
        "{0}文字以内で入力してください",
    ),
    (
        "must be at most {} characters (has {})",
        "{0}文字以内で入力してください（{1}文字あります）",
    ),
    ("must be 1 to {} characters", "1〜{0}文字で入力してください"),
    ("is longer than {} characters", "{0}文字を超えています"),
    ("must be from {} to {}", "{0}〜{1}の範囲で指定してください"),
    (
        "must be from {} to {} minutes",
        "{0}〜{1}分の範囲で指定してください",
    ),
    (
        "must be between {} and {}",
        "{0}〜{1}の範囲で指定してください",
    ),
    ("must be 0 or more", "0以上を指定してください"),
    ("must be 1 or more", "1以上を指定してください"),
    ("must be a positive integer", "正の整数を指定してください"),
    ("must be one of {}", "{0} のいずれかを指定してください"),
    (
        "must be one of {} (got {})",
        "{0} のいずれかを指定してください（送られた値: {1}）",
    ),
    ("must be ict or labor", "ict か labor を指定してください"),
    (
        "must be an e-mail address",
        "メールアドレスを指定してください",
    ),
    (
        "must be an e-mail address like yamada@example.jp",
        "yamada@example.jp のようなメールアドレスを指定してください",
    ),
    (
        "must be a phone number like 03-1234-5678",
        "03-1234-5678 のような電話番号を指定してください",
    ),
    ("{} is given twice", "{0} が重複しています"),
    ("duplicates {}", "{0} と重複しています"),
    (
        "duplicates {} (both normalize to {})",
        "{0} と重複しています（どちらも {1} に正規化されます）",
    ),
    (
        "has {} entries; at most {} are allowed",
        "{0}件あります。{1}件までです",
    ),
    (
        "send at least one field to change",
        "変更する項目を1つ以上送信してください",
    ),
    (
        "is larger than the service allows",
        "このサービスで扱える値より大きいです",
    ),
    // --- Authentication and roles (auth/) ---
    (
        "a {} client may not do this; it needs the role {}",
        "{0} クライアントにはこの操作の権限がありません。必要なロール: {1}",
    ),
    (
        "this client's role or bindings changed after the token was issued; get a new token",
        "トークンの発行後にこのクライアントのロールまたは紐付けが変わりました。新しいトークンを取得してください",
    ),
    (
        "this client has been revoked",
        "このクライアントは失効しています",
    ),
    (
        "send Authorization: Bearer <token>",
        "Authorization: Bearer <token> を送信してください",
    ),
    (
        "the Authorization header is not text",
        "Authorization ヘッダーがテキストではありません",
    ),
    (
        "the Authorization header must be Bearer <token>",
        "Authorization ヘッダーは Bearer <token> の形式にしてください",
    ),
    ("the token has expired", "トークンの有効期限が切れています"),
    (
        "the token is not meant for this API",
        "この API 向けのトークンではありません",
    ),
    (
        "the token was not issued by this service",
        "このサービスが発行したトークンではありません",
    ),
    (
        "the token's algorithm is not accepted",
        "トークンのアルゴリズムは受け付けられません",
    ),
    (
        "the token's signature is invalid",
        "トークンの署名が正しくありません",
    ),
    (
        "the token is not valid yet (nbf)",
        "トークンはまだ有効になっていません（nbf）",
    ),
    ("the token is malformed", "トークンの形式が正しくありません"),
    (
        "the token claims to be issued in the future (iat)",
        "トークンの発行時刻が未来になっています（iat）",
    ),
    // --- The token endpoint (routes/auth.rs, auth/failure_limit.rs) ---
    (
        "too many failed authentications for this client or from this address; try again in {} s",
        "このクライアントまたはこのアドレスからの認証の失敗が多すぎます。{0}秒後に再試行してください",
    ),
    (
        "send application/x-www-form-urlencoded or application/json",
        "application/x-www-form-urlencoded か application/json で送信してください",
    ),
    (
        "the grant type {} is not supported; use client_credentials",
        "グラントタイプ {0} には対応していません。client_credentials を使ってください",
    ),
    (
        "the client id or secret is wrong",
        "クライアント ID またはシークレットが正しくありません",
    ),
    (
        "the Authorization header is not valid Basic credentials: {t}",
        "Authorization ヘッダーが正しい Basic 認証情報ではありません: {0}",
    ),
    ("it is not text", "テキストではありません"),
    ("it is not base64", "base64 ではありません"),
    ("it is not UTF-8", "UTF-8 ではありません"),
    (
        "there is no ':' between client id and secret",
        "クライアント ID とシークレットの間に ':' がありません",
    ),
    (
        "the client id is not UTF-8",
        "クライアント ID が UTF-8 ではありません",
    ),
    (
        "the secret is not UTF-8",
        "シークレットが UTF-8 ではありません",
    ),
    ("the client id is empty", "クライアント ID が空です"),
    (
        "the token endpoint authenticates clients with HTTP Basic or with client_id and client_secret in the body",
        "トークンエンドポイントのクライアント認証は、HTTP Basic か、ボディの client_id と client_secret で行います",
    ),
    (
        "use one client authentication method: HTTP Basic or client_secret in the body, not both",
        "クライアント認証の方法は1つにしてください（HTTP Basic かボディの client_secret のどちらか。両方は使えません）",
    ),
    (
        "the client_id in the body is not the one in the Basic credentials",
        "ボディの client_id が Basic 認証情報のものと一致しません",
    ),
    (
        "no client credentials: authenticate with HTTP Basic or send client_id and client_secret",
        "クライアント認証情報がありません。HTTP Basic で認証するか、client_id と client_secret を送信してください",
    ),
    (
        "is required (client_credentials)",
        "必須です（client_credentials）",
    ),
    // --- Domain values (domain/) ---
    (
        "unknown track {}: expected \"ict\" or \"labor\"",
        "不明なトラック {0} です。\"ict\" か \"labor\" を指定してください",
    ),
    (
        "{} is not a track; expected \"ict\" or \"labor\"",
        "{0} はトラックではありません。\"ict\" か \"labor\" を指定してください",
    ),
    (
        "unknown topic code {}: see GET /v1/topics for the list",
        "不明なトピックコード {0} です。一覧は GET /v1/topics で確認してください",
    ),
    (
        "{} is not a topic code (see GET /v1/topics)",
        "{0} はトピックコードではありません（GET /v1/topics を参照）",
    ),
    (
        "unknown status: use one of received, triaged, assigned, in_consultation, on_hold, resolved, closed, cancelled, merged",
        "不明なステータスです。received, triaged, assigned, in_consultation, on_hold, resolved, closed, cancelled, merged のいずれかを使ってください",
    ),
    (
        "industry must be a JSIC major division letter from A to T, e.g. \"E\" for manufacturing",
        "業種は日本標準産業分類の大分類を A〜T の1文字で指定してください（例: 製造業は \"E\"）",
    ),
    (
        "{} is not a JSIC major division (one capital letter A-T)",
        "{0} は日本標準産業分類の大分類ではありません（A〜T の大文字1文字）",
    ),
    (
        "capital_jpy must be zero or more, found {}",
        "capital_jpy は0以上にしてください（{0} が送られました）",
    ),
    (
        "employees must be zero or more, found {}",
        "employees は0以上にしてください（{0} が送られました）",
    ),
    (
        "corporate number must not be empty: leave it out when the company has none",
        "法人番号は空にできません。法人番号がない企業では省略してください",
    ),
    (
        "corporate number must contain only digits",
        "法人番号は数字だけで入力してください",
    ),
    (
        "corporate number must have 13 digits, found {}",
        "法人番号は13桁です（{0}桁あります）",
    ),
    (
        "corporate number has a wrong check digit: the first digit should be {} for the 12 digits that follow, found {}; check for a typing error",
        "法人番号のチェックデジットが正しくありません。続く12桁に対する先頭の数字は {0} ですが、{1} になっています。入力に誤りがないか確認してください",
    ),
    (
        "fiscal year must be a four-digit year such as 2026",
        "年度は 2026 のような4桁の年で指定してください",
    ),
    (
        "reference must look like TW-2026-000123: \"TW-\", a four-digit fiscal year, \"-\" and six digits",
        "受付番号は TW-2026-000123 の形式です（\"TW-\"、4桁の年度、\"-\"、6桁の数字）",
    ),
    (
        "reference number must be from 000001 to 999999",
        "受付番号の連番は 000001〜999999 です",
    ),
    (
        "prefecture must not be empty: give a JIS X 0401 code from \"01\" to \"47\" or a Japanese name such as \"東京都\"",
        "都道府県は空にできません。JIS X 0401 のコード（\"01\"〜\"47\"）か \"東京都\" のような名前を指定してください",
    ),
    (
        "prefecture code \"{}\" must have two digits, e.g. \"0{}\"",
        "都道府県コード \"{0}\" は2桁で指定してください（例: \"0{1}\"）",
    ),
    (
        "prefecture code must have two digits, from \"01\" to \"47\"",
        "都道府県コードは \"01\"〜\"47\" の2桁で指定してください",
    ),
    (
        "\"{}\" is not a JIS X 0401 prefecture code: codes run from \"01\" (北海道) to \"47\" (沖縄県)",
        "\"{0}\" は JIS X 0401 の都道府県コードではありません。コードは \"01\"（北海道）から \"47\"（沖縄県）までです",
    ),
    (
        "unknown prefecture: give a JIS X 0401 code from \"01\" to \"47\" or a Japanese name such as \"東京都\"",
        "不明な都道府県です。JIS X 0401 のコード（\"01\"〜\"47\"）か \"東京都\" のような名前を指定してください",
    ),
    (
        "must be a date from {}-01-01 to {}-12-31 (the years whose holidays this service knows); got {}",
        "{0}-01-01〜{1}-12-31 の日付を指定してください（このサービスが祝日を知っている年の範囲です）。送られた値: {2}",
    ),
    (
        "reaches {}, past the known years: the day reached {t}",
        "{0} に達し、祝日を知っている年の範囲を超えます: {1}",
    ),
    // --- Case status moves (domain/ticket_status.rs, services/tickets.rs) ---
    (
        "{} is not allowed while the case is {}; {} is final",
        "案件が {1} の間は {0} できません。{2} は最終状態です",
    ),
    (
        "{} is not allowed while the case is {}; from {} the case can move to: {}",
        "案件が {1} の間は {0} できません。{2} から移れる状態: {3}",
    ),
    (
        "resume is not possible: the status the case was put on hold from is not recorded; {} is final",
        "保留にする前の状態が記録されていないため再開できません。{0} は最終状態です",
    ),
    (
        "resume is not possible: the status the case was put on hold from is not recorded; from {} the case can move to: {}",
        "保留にする前の状態が記録されていないため再開できません。{0} から移れる状態: {1}",
    ),
    ("{t}; {t}", "{0}。{1}"),
    (
        "{t} (the case is {}; allowed: {})",
        "{0}（案件の状態: {1}、可能な操作: {2}）",
    ),
    ("is not a case status", "案件のステータスではありません"),
    (
        "must be one of on_hold, closed, cancelled, reopened, resumed",
        "on_hold, closed, cancelled, reopened, resumed のいずれかを指定してください",
    ),
    (
        "must be one of partner, coordinator, manager, analyst, admin (got {})",
        "partner, coordinator, manager, analyst, admin のいずれかを指定してください（送られた値: {0}）",
    ),
    // --- Cases (routes/tickets.rs, services/tickets.rs) ---
    ("at most {} topics", "トピックは{0}個までです"),
    (
        "partner cases always arrive on the partner channel; omit it",
        "パートナーの案件は常に partner チャネルで受け付けます。指定しないでください",
    ),
    (
        "is required: phone, walk_in, web or email",
        "必須です（phone, walk_in, web, email のいずれか）",
    ),
    (
        "only partner clients file partner cases; use phone, walk_in, web or email",
        "パートナーの案件を登録できるのはパートナーのクライアントだけです。phone, walk_in, web, email のいずれかを使ってください",
    ),
    (
        "must not be before created_from",
        "created_from より前にはできません",
    ),
    (
        "send If-Match with the ETag of the case you read",
        "読み取った案件の ETag を If-Match で送信してください",
    ),
    (
        "is only for a manual track",
        "トラックを手動で設定するときだけ指定できます",
    ),
    (
        "is required when setting the track by hand",
        "トラックを手動で設定するときは必須です",
    ),
    (
        "send either {\"track\", \"reason\"} or {\"auto\": true}",
        "{\"track\", \"reason\"} か {\"auto\": true} のどちらかを送信してください",
    ),
    (
        "fiscal {} has used all {} references",
        "{0}年度の受付番号 {1} 件をすべて使い切りました",
    ),
    ("no case has the id {}", "ID {0} の案件はありません"),
    (
        "no routing model has the version {}",
        "バージョン {0} のルーティングモデルはありません",
    ),
    (
        "other model versions were stored at the same time; train again",
        "同時に別のモデルバージョンが保存されました。もう一度学習してください",
    ),
    (
        "analysts read reports, not cases",
        "アナリストが読めるのはレポートで、案件は読めません",
    ),
    (
        "partners can edit a case while it is received or triaged; it is {}",
        "パートナーが案件を編集できるのは received か triaged の間です。現在は {0} です",
    ),
    (
        "the case changed since you read it (its ETag is now \"{}\"); GET it again",
        "読み取った後に案件が変更されました（現在の ETag は \"{0}\"）。もう一度 GET してください",
    ),
    (
        "partners may only cancel their cases",
        "パートナーにできるのは自分の案件の取り消しだけです",
    ),
    (
        "release the manager before re-routing",
        "振り分けをやり直す前に担当者の割り当てを解除してください",
    ),
    (
        "partners write comments with visibility \"partner\"",
        "パートナーのコメントは visibility \"partner\" で書いてください",
    ),
    (
        "subject and description are empty and no topics are given: give the question or at least one topic",
        "件名も説明も空で、トピックもありません。質問の内容かトピックを1つ以上指定してください",
    ),
    (
        "subject and description together have {} characters; at most {} are allowed",
        "件名と説明は合わせて{0}文字あります。{1}文字までです",
    ),
    // --- Companies (routes/companies.rs, services/companies.rs) ---
    (
        "send If-Match with the ETag of the company record you read",
        "読み取った企業レコードの ETag を If-Match で送信してください",
    ),
    ("no company has the id {}", "ID {0} の企業はありません"),
    (
        "the company record changed since you read it (its ETag is now \"{}\"); GET it again",
        "読み取った後に企業レコードが変更されました（現在の ETag は \"{0}\"）。もう一度 GET してください",
    ),
    (
        "another company record without a corporate number has this name in this prefecture",
        "この都道府県には、法人番号のない同じ名前の企業レコードがすでにあります",
    ),
    // --- Managers and assignment (routes/managers.rs, services/managers.rs, assignment) ---
    (
        "must name at least one track: ict, labor",
        "トラックを1つ以上指定してください（ict, labor）",
    ),
    (
        "a manager who visits on site must list the prefectures they visit",
        "訪問して相談する担当者は、訪問する都道府県を指定してください",
    ),
    ("no manager has the id {}", "ID {0} の担当者はいません"),
    (
        "the manager changed since you read it (its ETag is now \"{}\"); GET it again",
        "読み取った後に担当者が変更されました（現在の ETag は \"{0}\"）。もう一度 GET してください",
    ),
    ("the manager is not active", "担当者が有効ではありません"),
    (
        "the manager does not cover the case's track",
        "担当者はこの案件のトラックを担当していません",
    ),
    (
        "the manager has no room under their capacity",
        "担当者の受け持ち件数に空きがありません",
    ),
    (
        "the manager cannot consult the company the way it wants (on site in its prefecture, or online)",
        "担当者は企業の希望する方法（所在都道府県での訪問、またはオンライン）で相談できません",
    ),
    (
        "{} cannot take this case: {t}",
        "{0} はこの案件を担当できません: {1}",
    ),
    (
        "the case has no track yet; confirm its routing first (POST .../routing)",
        "案件のトラックがまだ決まっていません。先に振り分けを確定してください（POST .../routing）",
    ),
    (
        "release the current manager first",
        "先に現在の担当者の割り当てを解除してください",
    ),
    (
        "no manager who covers the case has room; the case waits in the queue and goes to the first eligible manager whose capacity frees",
        "この案件を担当できる担当者に空きがありません。案件は待ち行列に入り、受け持ちに最初に空きが出た担当可能な担当者に割り当てられます",
    ),
    (
        "only an assigned case can be released",
        "割り当てを解除できるのは担当者が割り当てられた案件だけです",
    ),
    // --- Sessions and outcomes (routes/consulting.rs, services/sessions.rs, outcomes.rs) ---
    (
        "must be held, cancelled or no_show",
        "held, cancelled, no_show のいずれかを指定してください",
    ),
    (
        "send status, notes or both",
        "status か notes、またはその両方を送信してください",
    ),
    (
        "sessions are booked once a manager is assigned",
        "相談セッションは担当者が割り当てられてから予約できます",
    ),
    (
        "the manager already has a session from {} to {}",
        "担当者には {0} から {1} まで別のセッションがあります",
    ),
    (
        "the company has used all {} free sessions of fiscal {} (scheduled and held, across all its cases); 0 remain",
        "この企業は{1}年度の無料セッション{0}回をすべて使っています（予定と実施済み、すべての案件の合計）。残りは0回です",
    ),
    (
        "the case's manager does not consult online",
        "この案件の担当者はオンラインで相談しません",
    ),
    (
        "the case's manager does not visit the company's prefecture on site",
        "この案件の担当者は企業の所在都道府県を訪問しません",
    ),
    (
        "no session has the id {}",
        "ID {0} のセッションはありません",
    ),
    (
        "the session is {}; it has ended and stays as it ended (add notes instead)",
        "セッションは {0} です。終了したセッションの状態は変えられません（代わりにメモを追加してください）",
    ),
    (
        "the session is {}; it can become {}",
        "セッションは {0} です。移れる状態: {1}",
    ),
    (
        "an outcome is recorded on an assigned case, during consulting, or to correct one",
        "対応結果を記録できるのは、担当者が割り当てられた案件か相談中の案件、または記録済みの結果を訂正するときです",
    ),
    // --- Reports, feed, calendar, pagination ---
    (
        "must be a fiscal year from {} to {}",
        "{0}〜{1}年度のいずれかを指定してください",
    ),
    ("must not be before from", "from より前にはできません"),
    (
        "give fiscal_year or from and to, not both",
        "fiscal_year か、from と to のどちらかを指定してください（両方は使えません）",
    ),
    (
        "give from and to (dates), or fiscal_year",
        "from と to（日付）か fiscal_year を指定してください",
    ),
    (
        "this partner client is bound to no partner",
        "このパートナーのクライアントはどのパートナーにも紐付いていません",
    ),
    (
        "is not a cursor this API returned; start over",
        "この API が返したカーソルではありません。最初からやり直してください",
    ),
    (
        "belongs to another list or other filters; send the filters that gave it, or start over without a cursor",
        "別の一覧か別の絞り込み条件のカーソルです。そのカーソルを得たときの条件を送るか、カーソルなしで最初からやり直してください",
    ),
    // --- Clients, partners, webhooks, routing rules, idempotency ---
    (
        "is required for a partner client",
        "パートナーのクライアントには必須です",
    ),
    (
        "is required for a manager client",
        "担当者のクライアントには必須です",
    ),
    ("no partner has the id {}", "ID {0} のパートナーはいません"),
    (
        "only partner clients are bound to a partner",
        "パートナーに紐付けられるのはパートナーのクライアントだけです",
    ),
    (
        "only manager clients are bound to a manager",
        "担当者に紐付けられるのは担当者のクライアントだけです",
    ),
    (
        "no client has the id {}",
        "ID {0} のクライアントはありません",
    ),
    (
        "the client is revoked; create a new one instead",
        "このクライアントは失効しています。代わりに新しいクライアントを作成してください",
    ),
    (
        "a partner named {} already exists",
        "{0} という名前のパートナーはすでにあります",
    ),
    (
        "this partner client is not bound to a partner",
        "このパートナーのクライアントはパートナーに紐付いていません",
    ),
    (
        "a {} client may not manage webhooks",
        "{0} クライアントは Webhook を管理できません",
    ),
    (
        "this client no longer exists",
        "このクライアントはもうありません",
    ),
    (
        "no webhook subscription has the id {}",
        "ID {0} の Webhook の購読はありません",
    ),
    (
        "is not an absolute URL ({})",
        "絶対 URL ではありません（{0}）",
    ),
    (
        "must be an http or https URL (got the scheme {})",
        "http か https の URL を指定してください（スキーム: {0}）",
    ),
    (
        "must not carry a user name or password",
        "ユーザー名やパスワードを含めることはできません",
    ),
    (
        "must not point at this machine ({} is loopback)",
        "このマシンを指すことはできません（{0} はループバックです）",
    ),
    ("must name a host", "ホストを指定してください"),
    (
        "must not point at a {} address ({}); webhooks go to public hosts only",
        "{0} のアドレス（{1}）を指すことはできません。Webhook の送信先は公開ホストだけです",
    ),
    (
        "must not point at a {} address ({}, carried in {} as {}); webhooks go to public hosts only",
        "{0} のアドレス（{2} に {3} として埋め込まれた {1}）を指すことはできません。Webhook の送信先は公開ホストだけです",
    ),
    (
        "its host {} has no address",
        "ホスト {0} にはアドレスがありません",
    ),
    (
        "its host {} did not resolve in time",
        "ホスト {0} の名前解決が時間内に終わりませんでした",
    ),
    (
        "its host {} does not resolve ({})",
        "ホスト {0} の名前を解決できません（{1}）",
    ),
    (
        "must be a number from 0 to 1, got {}",
        "0〜1 の数値を指定してください（送られた値: {0}）",
    ),
    (
        "must be a finite number at least 0, got {}",
        "0以上の有限の数値を指定してください（送られた値: {0}）",
    ),
    (
        "must be greater than 0 and at most {}, got {}",
        "0より大きく{0}以下の値を指定してください（送られた値: {1}）",
    ),
    (
        "the rule set changed since you read it (current version {}); GET it again, reapply your edit and PUT it with that version",
        "読み取った後にルールセットが変更されました（現在のバージョンは {0}）。もう一度 GET し、編集をやり直して、そのバージョンで PUT してください",
    ),
    (
        "was already used with a different request body; use a new key",
        "別のリクエストボディですでに使われています。新しいキーを使ってください",
    ),
    (
        "a request with this Idempotency-Key is still being processed; retry shortly",
        "この Idempotency-Key のリクエストはまだ処理中です。しばらくしてから再試行してください",
    ),
    // --- The company as forms record it, and the outcome survey (issue 16) ---
    (
        "must be a postal code like 100-0001 (7 digits, the hyphen optional)",
        "100-0001 のような郵便番号を指定してください（7桁、ハイフンは省略可）",
    ),
    (
        "must be one line of text without control characters",
        "改行や制御文字を含まない1行で指定してください",
    ),
    (
        "must name a municipality ending in 市, 区, 町 or 村 (e.g. 千代田区, 西多摩郡瑞穂町)",
        "市・区・町・村で終わる市区町村名を指定してください（例: 千代田区、西多摩郡瑞穂町）",
    ),
    (
        "must be the company's prefecture ({}), not {}",
        "会社の都道府県（{0}）と同じにしてください（指定された値: {1}）",
    ),
    (
        "must be written in katakana (フリガナ), the long-vowel mark ー and spaces; {} is not",
        "カタカナ（フリガナ）、長音記号「ー」、空白で入力してください。{0} は使えません",
    ),
    (
        "must be at least employees ({}): the total head count includes the regular employees",
        "常時雇用する従業員数（{0}）以上にしてください。総従業員数は常時雇用する従業員を含みます",
    ),
    (
        "is asked only when the case had an on-site session; send null",
        "訪問による相談があった場合だけの質問です。null を送ってください",
    ),
    (
        "is asked because the case had an on-site session: answer true or false",
        "訪問による相談があったため回答が必要です。true か false で答えてください",
    ),
    ("must not be in the future", "未来の日時は指定できません"),
    ("must be yes or no", "yes か no を指定してください"),
    ("is required: yes or no", "必須です（yes か no）"),
    (
        "is not a question of this survey",
        "このアンケートの質問ではありません",
    ),
    (
        "send the answers as application/json or application/x-www-form-urlencoded",
        "回答は application/json か application/x-www-form-urlencoded で送信してください",
    ),
    (
        "a survey link is issued for a case with a recorded outcome; record it first",
        "アンケートのリンクは結果を記録した案件に発行します。先に結果を記録してください",
    ),
    (
        "the company has answered the survey of this case already",
        "この案件のアンケートには会社がすでに回答しています",
    ),
    (
        "no survey has this link",
        "このリンクのアンケートはありません",
    ),
    (
        "this survey has been answered already; thank you",
        "このアンケートにはすでに回答いただいています。ご協力ありがとうございました",
    ),
    (
        "this survey link expired on {}",
        "このアンケートのリンクは {0} に有効期限が切れました",
    ),
];
