//! The problem answers every operation shares, added to the document in one place.
//!
//! Handlers document what is particular to them (their success answer, a 409 with its own
//! meaning); this module adds the answers the service's common machinery gives — the token
//! check, the rate limiter, the body reader, the query guard, the database — to every
//! operation they apply to, so no operation can forget one and no handler repeats them.
//! An entry a handler wrote stays as written (its description is filled in when it has
//! none), so a shared answer never overrides an operation-specific one.
use utoipa::openapi::{
    Content, HeaderBuilder, OpenApi, Ref, RefOr, Required, Response, ResponseBuilder,
    link::Link,
    path::{Operation, ParameterIn},
    schema::{ObjectBuilder, Type},
    security::SecurityRequirement,
    server::ServerBuilder,
};

use crate::error::PROBLEM_JSON;

/// Paths anyone may call without a token (API.md: roles "none"). Their operations get
/// `security: []` and no 401/403/429; every other operation needs the Bearer token. A
/// manager's calendar feed is public too: the secret token in its URL is its credential, and a
/// company answers its survey through the link alone (the token in the path).
pub const PUBLIC_PATHS: [&str; 6] = [
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/auth/token",
    "/v1/managers/{id}/calendar.ics",
    // A company answers its survey through the link alone (the token in the path).
    "/v1/surveys/{token}",
];

/// Paths whose handlers never touch the database, so they cannot answer 503.
const WITHOUT_DATABASE: [&str; 2] = ["/healthz", "/metrics"];

/// The name of the Bearer security scheme (`components.securitySchemes`).
pub const BEARER: &str = "bearer";

/// When a shared problem answer applies to an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AppliesTo {
    /// Every operation: the query guard refuses control characters in any parameter.
    Every,
    /// Operations with query, header or body input that can be unreadable.
    WithInput,
    /// Operations with a path parameter (an id that may name nothing visible).
    WithPathParameter,
    /// Operations that read a request body.
    WithBody,
    /// Operations that need the Bearer token.
    Authenticated,
    /// Operations that accept `Idempotency-Key`.
    WithIdempotencyKey,
    /// Operations that accept `If-Match`.
    WithIfMatch,
    /// Operations that require `If-Match`.
    RequiringIfMatch,
    /// Operations whose handler reads or writes the database.
    UsingDatabase,
}

/// One shared problem answer: its status, its name under `components.responses`, when it
/// applies and what it means.
struct CommonResponse {
    status: &'static str,
    name: &'static str,
    applies_to: AppliesTo,
    description: &'static str,
    header: Option<(&'static str, &'static str)>,
    /// The schema of the body: `Problem`, or one that adds members to it.
    schema: &'static str,
}

const COMMON_RESPONSES: [CommonResponse; 13] = [
    CommonResponse {
        status: "400",
        name: "BadRequest",
        applies_to: AppliesTo::WithInput,
        description: "The request could not be read: malformed JSON, data after the JSON \
                      document, or a query string or header that does not parse.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "401",
        name: "Unauthorized",
        applies_to: AppliesTo::Authenticated,
        description: "No Bearer token, or one that is invalid, expired or of a revoked client.",
        header: Some((
            "WWW-Authenticate",
            "`Bearer`, with `error=\"invalid_token\"` when a token was sent.",
        )),
        schema: "Problem",
    },
    CommonResponse {
        status: "403",
        name: "Forbidden",
        applies_to: AppliesTo::Authenticated,
        description: "The client's role may not do this.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "404",
        name: "NotFound",
        applies_to: AppliesTo::WithPathParameter,
        description: "Nothing with this id, or nothing the caller may know about (another \
                      partner's case is 404, never 403).",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "408",
        name: "RequestTimeout",
        applies_to: AppliesTo::WithBody,
        description: "The request body did not arrive in time; the connection is closed.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "409",
        name: "IdempotencyKeyInFlight",
        applies_to: AppliesTo::WithIdempotencyKey,
        description: "A request with the same Idempotency-Key is still being processed.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "412",
        name: "PreconditionFailed",
        applies_to: AppliesTo::WithIfMatch,
        description: "If-Match names a version that is no longer current; read it again.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "413",
        name: "PayloadTooLarge",
        applies_to: AppliesTo::WithBody,
        description: "The request body is larger than the service accepts.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "415",
        name: "UnsupportedMediaType",
        applies_to: AppliesTo::WithBody,
        description: "The body is not in a media type (or Content-Encoding) this operation reads.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "422",
        name: "UnprocessableContent",
        applies_to: AppliesTo::Every,
        description: "Invalid input: `errors` lists every invalid field or query parameter \
                      (including any text holding a control character).",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "428",
        name: "PreconditionRequired",
        applies_to: AppliesTo::RequiringIfMatch,
        description: "If-Match is required: send the ETag of the resource as read.",
        header: None,
        schema: "Problem",
    },
    CommonResponse {
        status: "429",
        name: "TooManyRequests",
        applies_to: AppliesTo::Authenticated,
        description: "Too many requests from this client.",
        header: Some(("Retry-After", "Seconds to wait before trying again.")),
        schema: "Problem",
    },
    CommonResponse {
        status: "503",
        name: "ServiceUnavailable",
        applies_to: AppliesTo::UsingDatabase,
        description: "The database cannot serve the request now (unreachable, full, or a \
                      statement or lock wait ran past its bound); `cause` says which. Try \
                      again after `Retry-After`.",
        header: Some(("Retry-After", "Seconds to wait before trying again.")),
        schema: "UnavailableProblem",
    },
];

/// The token endpoint answers every problem with a body (media type, size, fields) as RFC
/// 6749 §5.2's `400 invalid_request`, so it never gives these shared statuses.
const OAUTH_PATH: &str = "/v1/auth/token";
const OAUTH_FOLDED: [&str; 3] = ["413", "415", "422"];

/// What an operation takes and needs, as far as the shared answers care.
struct Shape<'a> {
    path: &'a str,
    public: bool,
    has_body: bool,
    has_query_or_header: bool,
    has_path_parameter: bool,
    idempotency_key: bool,
    if_match: Option<bool>,
}

impl Shape<'_> {
    fn takes(&self, applies_to: AppliesTo) -> bool {
        match applies_to {
            AppliesTo::Every => true,
            AppliesTo::WithInput => self.has_body || self.has_query_or_header,
            AppliesTo::WithPathParameter => self.has_path_parameter,
            AppliesTo::WithBody => self.has_body,
            AppliesTo::Authenticated => !self.public,
            AppliesTo::WithIdempotencyKey => self.idempotency_key,
            AppliesTo::WithIfMatch => self.if_match.is_some(),
            AppliesTo::RequiringIfMatch => self.if_match == Some(true),
            AppliesTo::UsingDatabase => !WITHOUT_DATABASE.contains(&self.path),
        }
    }
}

fn shape<'a>(path: &'a str, operation: &Operation) -> Shape<'a> {
    let parameters: Vec<_> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|parameter| match parameter {
            RefOr::T(parameter) => Some(parameter),
            RefOr::Ref(_) => None,
        })
        .collect();
    let header = |name: &str| {
        parameters
            .iter()
            .find(|p| p.parameter_in == ParameterIn::Header && p.name.eq_ignore_ascii_case(name))
    };
    Shape {
        path,
        public: PUBLIC_PATHS.contains(&path),
        has_body: operation.request_body.is_some(),
        has_query_or_header: parameters
            .iter()
            .any(|p| matches!(p.parameter_in, ParameterIn::Query | ParameterIn::Header)),
        has_path_parameter: parameters
            .iter()
            .any(|p| p.parameter_in == ParameterIn::Path),
        idempotency_key: header("Idempotency-Key").is_some(),
        if_match: header("If-Match").map(|p| p.required == Required::True),
    }
}

/// The problem+json answer `common` names, as it is stored under `components.responses`.
fn problem_response(common: &CommonResponse) -> Response {
    let mut response = ResponseBuilder::new()
        .description(common.description)
        .content(
            PROBLEM_JSON,
            Content::new(Some(Ref::from_schema_name(common.schema))),
        );
    if let Some((name, description)) = common.header {
        response = response.header(
            name,
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(description))
                .build(),
        );
    }
    response.build()
}

/// The reason phrase of `status`, as the description of an answer its handler left
/// undescribed (OpenAPI requires one on every response).
fn reason_phrase(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No Content",
        "400" => "Bad Request",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "Not Found",
        "409" => "Conflict",
        "412" => "Precondition Failed",
        "413" => "Content Too Large",
        "415" => "Unsupported Media Type",
        "422" => "Unprocessable Content",
        "428" => "Precondition Required",
        "429" => "Too Many Requests",
        "503" => "Service Unavailable",
        _ => "The answer",
    }
}

/// Adds the shared problem answers and the security requirement to every operation,
/// describes every undescribed answer, and names the server.
pub fn apply(document: &mut OpenApi) {
    document.servers = Some(vec![
        ServerBuilder::new()
            .url("/")
            .description(Some(
                "This service: paths are relative to where the document was fetched",
            ))
            .build(),
    ]);
    let mut referenced = Vec::new();
    for (path, item) in &mut document.paths.paths {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for operation in operations.into_iter().flatten() {
            complete(path, operation, &mut referenced);
        }
    }
    // Only the answers some operation refers to: an unused component is noise to readers.
    let components = document.components.get_or_insert_with(Default::default);
    for common in COMMON_RESPONSES
        .iter()
        .filter(|c| referenced.contains(&c.name))
    {
        components
            .responses
            .insert(common.name.to_owned(), problem_response(common).into());
    }
}

/// Completes one operation; `referenced` collects the shared answers it refers to.
fn complete(path: &str, operation: &mut Operation, referenced: &mut Vec<&'static str>) {
    let shape = shape(path, operation);
    operation.security = Some(if shape.public {
        // A public operation may offer optional schemes beside anonymous access (`{}`);
        // what it declared stays then, anything else becomes "no token needed".
        match operation.security.take() {
            Some(requirements) if requirements.iter().any(is_anonymous) => requirements,
            _ => Vec::new(),
        }
    } else {
        match operation.security.take() {
            Some(requirements) if !requirements.is_empty() => requirements,
            _ => vec![SecurityRequirement::new(BEARER, Vec::<String>::new())],
        }
    });
    let responses = &mut operation.responses.responses;
    for common in COMMON_RESPONSES
        .iter()
        .filter(|c| shape.takes(c.applies_to))
        .filter(|c| !(path == OAUTH_PATH && OAUTH_FOLDED.contains(&c.status)))
    {
        match responses.get_mut(common.status) {
            // The handler's own entry wins; it only gets the shared meaning when it has none.
            Some(RefOr::T(own)) if own.description.is_empty() => {
                own.description = common.description.to_owned();
            }
            Some(_) => {}
            None => {
                if !referenced.contains(&common.name) {
                    referenced.push(common.name);
                }
                responses.insert(
                    common.status.to_owned(),
                    RefOr::Ref(Ref::from_response_name(common.name)),
                );
            }
        }
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = reason_phrase(status).to_owned();
        }
    }
    if operation.operation_id.as_deref() == Some("create_ticket") {
        link_created_ticket(operation);
    }
}

/// Whether `requirement` is the empty one (`{}`): the operation may be called without any
/// credentials.
fn is_anonymous(requirement: &SecurityRequirement) -> bool {
    serde_json::to_value(requirement).is_ok_and(|value| value == serde_json::json!({}))
}

/// The sub-resources of a case, reachable from the case `POST /v1/tickets` creates: each
/// link's operation takes the case id from the answer (stateful testers follow these).
pub const CASE_LINKS: [(&str, &str, &str); 6] = [
    ("GetTicket", "get_ticket", "Read the case"),
    (
        "UpdateTicket",
        "update_ticket",
        "Edit the case, with its ETag as If-Match",
    ),
    ("ListComments", "list_comments", "Its comments"),
    ("AddComment", "add_comment", "Comment on it"),
    ("ListTicketEvents", "list_ticket_events", "Its audit trail"),
    ("ListSessions", "list_sessions", "Its consulting sessions"),
];

fn link_created_ticket(operation: &mut Operation) {
    let Some(RefOr::T(created)) = operation.responses.responses.get_mut("201") else {
        return;
    };
    for (name, operation_id, description) in CASE_LINKS {
        let mut link = Link::builder()
            .operation_id(operation_id)
            .parameter("id", "$response.body#/id")
            .description(description);
        if operation_id == "update_ticket" {
            link = link.parameter("If-Match", "$response.header.ETag");
        }
        created.links.insert(name.to_owned(), link.build().into());
    }
}
