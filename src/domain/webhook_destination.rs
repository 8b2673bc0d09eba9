//! Where a webhook may be sent. A subscriber chooses the URL and the service calls it, so a
//! URL pointing inside the center's network (the database, a cloud metadata endpoint, an
//! admin console on loopback) would let any subscriber probe it (server-side request
//! forgery). Destinations must be `http(s)` URLs without credentials whose host is not, and
//! does not resolve to, a loopback, private, link-local, unspecified, broadcast,
//! documentation or shared (CGNAT) address. Resolving the name is I/O and happens in the
//! service; the rules here are pure.
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The longest URL accepted.
pub const MAX_URL_LENGTH: usize = 2048;

/// A syntactically acceptable destination. Its host still has to be checked: an IP literal
/// with [`forbidden_range`], a name by resolving it and checking every address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    url: Url,
}

/// The host of a destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestinationHost {
    /// A name to resolve.
    Name(String),
    /// An IP literal.
    Address(IpAddr),
}

impl Destination {
    /// Parses `raw`. With `allow_private` false, names that always mean this machine
    /// (`localhost`, `*.localhost`) and IP literals in a forbidden range are refused too.
    pub fn parse(raw: &str, allow_private: bool) -> Result<Self, String> {
        if raw.len() > MAX_URL_LENGTH {
            return Err(format!("must be at most {MAX_URL_LENGTH} characters"));
        }
        let url =
            Url::parse(raw.trim()).map_err(|error| format!("is not an absolute URL ({error})"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "must be an http or https URL (got the scheme {:?})",
                url.scheme()
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password".to_owned());
        }
        let destination = Self { url };
        if !allow_private {
            match destination.host()? {
                DestinationHost::Name(name) if is_local_name(&name) => {
                    return Err(format!(
                        "must not point at this machine ({name} is loopback)"
                    ));
                }
                DestinationHost::Address(ip) => refuse_address(ip)?,
                DestinationHost::Name(_) => {}
            }
        }
        Ok(destination)
    }

    /// The URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The host, with IPv6 literals unbracketed.
    pub fn host(&self) -> Result<DestinationHost, String> {
        match self.url.host() {
            Some(Host::Domain(name)) => Ok(DestinationHost::Name(name.to_owned())),
            Some(Host::Ipv4(ip)) => Ok(DestinationHost::Address(IpAddr::V4(ip))),
            Some(Host::Ipv6(ip)) => Ok(DestinationHost::Address(IpAddr::V6(ip))),
            None => Err("must name a host".to_owned()),
        }
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }
}

/// Whether `name` always means this machine.
pub fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// `Err` with a message naming the range when `ip` may not be called.
pub fn refuse_address(ip: IpAddr) -> Result<(), String> {
    match forbidden_range(ip) {
        Some(range) => Err(format!(
            "must not point at a {range} address ({ip}); webhooks go to public hosts only"
        )),
        None => Ok(()),
    }
}

/// The kind of non-public range `ip` is in, or `None` for an address webhooks may call.
pub fn forbidden_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => forbidden_v6(v6),
        },
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if ip.is_documentation() {
        Some("documentation")
    } else if a == 100 && (b & 0xc0) == 64 {
        Some("shared (CGNAT)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_unique_local() {
        Some("private")
    } else if ip.is_unicast_link_local() {
        Some("link-local")
    } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
        Some("documentation")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_may_be_called() {
        let cases: [(&str, Option<&str>); 27] = [
            ("127.0.0.1", Some("loopback")),
            ("127.255.0.9", Some("loopback")),
            ("10.0.0.1", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.1", Some("private")),
            ("169.254.169.254", Some("link-local")),
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("unspecified")),
            ("255.255.255.255", Some("broadcast")),
            ("192.0.2.10", Some("documentation")),
            ("198.51.100.1", Some("documentation")),
            ("203.0.113.7", Some("documentation")),
            ("100.64.0.1", Some("shared (CGNAT)")),
            ("100.127.255.254", Some("shared (CGNAT)")),
            ("224.0.0.1", Some("multicast")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fc00::1", Some("private")),
            ("fd12:3456::1", Some("private")),
            ("fe80::1", Some("link-local")),
            ("2001:db8::1", Some("documentation")),
            ("::ffff:127.0.0.1", Some("loopback")),
            ("::ffff:10.1.2.3", Some("private")),
            // Public neighbours of the ranges above.
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2606:4700::1111", None),
        ];
        for (raw, expected) in cases {
            let ip: IpAddr = raw.parse().unwrap();
            assert_eq!(forbidden_range(ip), expected, "{raw}");
        }
        for public in ["8.8.8.8", "93.184.216.34", "11.0.0.1", "192.169.0.1"] {
            assert_eq!(forbidden_range(public.parse().unwrap()), None, "{public}");
        }
    }

    #[test]
    fn destinations_must_be_http_urls_without_credentials_or_local_hosts() {
        let cases: [(&str, bool, bool, &str); 14] = [
            (
                "https://hooks.example.com/onestop",
                false,
                true,
                "a public name",
            ),
            (
                "http://93.184.216.34:8080/x",
                false,
                true,
                "a public address",
            ),
            ("http://127.0.0.1:9000/", false, false, "loopback literal"),
            ("http://[::1]/", false, false, "IPv6 loopback literal"),
            ("http://localhost/", false, false, "localhost"),
            ("http://api.LOCALHOST./", false, false, "a .localhost name"),
            ("http://10.0.0.1/", false, false, "private literal"),
            (
                "http://169.254.169.254/latest",
                false,
                false,
                "metadata endpoint",
            ),
            ("ftp://x", false, false, "not http"),
            ("not a url", false, false, "not a URL"),
            (
                "https://user:pw@hooks.example.com/",
                false,
                false,
                "credentials",
            ),
            (
                "file:///etc/passwd",
                true,
                false,
                "a file URL, even when private is allowed",
            ),
            (
                "http://127.0.0.1:9000/",
                true,
                true,
                "loopback when private is allowed",
            ),
            (
                "http://localhost/",
                true,
                true,
                "localhost when private is allowed",
            ),
        ];
        for (raw, allow_private, ok, why) in cases {
            let parsed = Destination::parse(raw, allow_private);
            assert_eq!(parsed.is_ok(), ok, "{why}: {raw} gave {parsed:?}");
        }
        let too_long = format!("https://example.com/{}", "a".repeat(MAX_URL_LENGTH));
        assert!(Destination::parse(&too_long, false).is_err());
    }
}
