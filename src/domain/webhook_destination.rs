//! Where a webhook may be sent. A subscriber chooses the URL and the service calls it, so a
//! URL pointing inside the center's network (the database, a cloud metadata endpoint, an
//! admin console on loopback) would let any subscriber probe it (server-side request
//! forgery). Destinations must be `http(s)` URLs without credentials whose host is, and
//! resolves only to, globally reachable unicast addresses ([`forbidden_range`]). Resolving
//! the name is I/O and happens in the service; the rules here are pure.
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

/// Why an address may not be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    /// The kind of range it is in (`loopback`, `private`, `benchmarking`, ...).
    pub range: &'static str,
    /// When the verdict is about an IPv4 address carried inside an IPv6 one: how it is
    /// carried (`NAT64`, `6to4`, ...) and the IPv4 address.
    pub carried: Option<(&'static str, Ipv4Addr)>,
}

/// `Err` with a message naming the range when `ip` may not be called.
pub fn refuse_address(ip: IpAddr) -> Result<(), String> {
    match forbidden_range(ip) {
        None => Ok(()),
        Some(Forbidden {
            range,
            carried: None,
        }) => Err(format!(
            "must not point at a {range} address ({ip}); webhooks go to public hosts only"
        )),
        Some(Forbidden {
            range,
            carried: Some((how, v4)),
        }) => Err(format!(
            "must not point at a {range} address ({v4}, carried in {ip} as {how}); webhooks \
             go to public hosts only"
        )),
    }
}

/// `Err` naming `name` and the first address that may not be called, when any of the
/// addresses `name` resolved to is one. The check at subscription time and the resolver
/// of every delivery both use it, so a name is judged the same way in both places.
pub fn refuse_resolved(name: &str, addresses: &[IpAddr]) -> Result<(), String> {
    if addresses.is_empty() {
        return Err(format!("its host {name} has no address"));
    }
    for ip in addresses {
        refuse_address(*ip).map_err(|message| format!("{message}: {name}"))?;
    }
    Ok(())
}

/// The range `ip` is in when it is not a globally reachable unicast address, `None` for an
/// address webhooks may call. IPv4 addresses carried in IPv6 ones are judged by the IPv4
/// rules.
///
/// No well-kept crate does this (std's `is_global` is unstable and, like `ip_network`'s,
/// does not look at the IPv4 address inside NAT64, 6to4 or Teredo ones), so the tables
/// below follow the IANA IPv4 and IPv6 Special-Purpose Address Registries by hand: every
/// entry whose "Globally Reachable" is False, plus multicast, IPv4's reserved 240/4 and
/// IPv6's unallocated space (anything outside the global unicast 2000::/3).
pub fn forbidden_range(ip: IpAddr) -> Option<Forbidden> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4).map(|range| Forbidden {
            range,
            carried: None,
        }),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

/// IPv4 ranges webhooks may not call, most specific first where they overlap. The
/// registry marks 192.0.0.9/32 and 192.0.0.10/32 (PCP and TURN anycast) reachable inside
/// the otherwise unreachable 192.0.0.0/24; they stay refused with it: anycast service
/// addresses are no subscriber's host.
const V4_RANGES: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "this-network"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "shared (CGNAT)"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "IETF protocol assignment"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "6to4 relay anycast"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (Ipv4Addr::new(255, 255, 255, 255), 32, "broadcast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
];

/// IPv6 ranges webhooks may not call, most specific first where they overlap; the
/// addresses that carry an IPv4 one are decoded first (see [`carried_v4`]). The registry
/// marks a few entries inside the unreachable 2001::/23 reachable (anycast services and
/// ORCHIDv2 identifiers); they stay refused with it, as none is a subscriber's host.
const V6_RANGES: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, "unspecified"),
    (Ipv6Addr::LOCALHOST, 128, "loopback"),
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        "local-use IPv4/IPv6 translation",
    ),
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        "discard-only",
    ),
    (Ipv6Addr::new(0x100, 0, 0, 1, 0, 0, 0, 0), 64, "dummy"),
    (
        Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0),
        48,
        "benchmarking",
    ),
    (Ipv6Addr::new(0x2001, 0x10, 0, 0, 0, 0, 0, 0), 28, "ORCHID"),
    (
        Ipv6Addr::new(0x2001, 0x20, 0, 0, 0, 0, 0, 0),
        28,
        "ORCHIDv2",
    ),
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        23,
        "IETF protocol assignment",
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        "documentation",
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        "documentation",
    ),
    (
        Ipv6Addr::new(0x3ffe, 0, 0, 0, 0, 0, 0, 0),
        16,
        "6bone (returned)",
    ),
    (
        Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0),
        16,
        "segment routing (SRv6) SID",
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "unique-local",
    ),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
];

/// The only IPv6 space allocated for global unicast.
const V6_GLOBAL_UNICAST: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

fn in_v4(ip: Ipv4Addr, network: Ipv4Addr, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(network) & mask
}

fn in_v6(ip: Ipv6Addr, network: Ipv6Addr, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(network) & mask
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    V4_RANGES
        .iter()
        .find(|(network, prefix, _)| in_v4(ip, *network, *prefix))
        .map(|(_, _, range)| *range)
}

/// How an IPv6 address carries an IPv4 one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carrier {
    /// `::ffff:a.b.c.d`: the socket talks IPv4 to a.b.c.d.
    Mapped,
    /// `64:ff9b::a.b.c.d`: a NAT64 translator talks IPv4 to a.b.c.d (RFC 6052).
    Nat64,
    /// `2002:aabb:ccdd::/48`: packets are tunnelled over IPv4 to aa.bb.cc.dd (RFC 3056).
    SixToFour,
    /// `::a.b.c.d`: deprecated (RFC 4291), never routed.
    Compatible,
    /// `::ffff:0:a.b.c.d`: a stateless translator's internal form (RFC 2765), never routed.
    Translated,
    /// `2001:0::/32`: the last 32 bits are the client's address, inverted (RFC 4380); the
    /// prefix is outside what webhooks may call either way.
    Teredo,
}

impl Carrier {
    fn name(self) -> &'static str {
        match self {
            Carrier::Mapped => "IPv4-mapped",
            Carrier::Nat64 => "NAT64",
            Carrier::SixToFour => "6to4",
            Carrier::Compatible => "IPv4-compatible",
            Carrier::Translated => "IPv4-translated",
            Carrier::Teredo => "Teredo",
        }
    }

    /// Whether calling the IPv6 address reaches the IPv4 host it carries, so that a public
    /// IPv4 address makes it callable; the others are refused whatever they carry.
    fn reaches_the_ipv4_host(self) -> bool {
        matches!(self, Carrier::Mapped | Carrier::Nat64 | Carrier::SixToFour)
    }
}

/// The IPv4 address `ip` carries, and how. `::` and `::1` carry none.
fn carried_v4(ip: Ipv6Addr) -> Option<(Carrier, Ipv4Addr)> {
    let s = ip.segments();
    let v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    match s {
        [0, 0, 0, 0, 0, 0xffff, high, low] => Some((Carrier::Mapped, v4(high, low))),
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => Some((Carrier::Nat64, v4(high, low))),
        [0x2002, high, low, ..] => Some((Carrier::SixToFour, v4(high, low))),
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => None,
        [0, 0, 0, 0, 0, 0, high, low] => Some((Carrier::Compatible, v4(high, low))),
        [0, 0, 0, 0, 0xffff, 0, high, low] => Some((Carrier::Translated, v4(high, low))),
        [0x2001, 0, .., high, low] => Some((Carrier::Teredo, v4(!high, !low))),
        _ => None,
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<Forbidden> {
    if let Some((carrier, v4)) = carried_v4(ip) {
        return match forbidden_v4(v4) {
            Some(range) => Some(Forbidden {
                range,
                carried: Some((carrier.name(), v4)),
            }),
            None if carrier.reaches_the_ipv4_host() => None,
            None => Some(Forbidden {
                range: carrier.name(),
                carried: None,
            }),
        };
    }
    let range = V6_RANGES
        .iter()
        .find(|(network, prefix, _)| in_v6(ip, *network, *prefix))
        .map(|(_, _, range)| *range)
        .or_else(|| {
            let (network, prefix) = V6_GLOBAL_UNICAST;
            (!in_v6(ip, network, prefix)).then_some("reserved")
        });
    range.map(|range| Forbidden {
        range,
        carried: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range_of(raw: &str) -> Option<&'static str> {
        let ip: IpAddr = raw.parse().unwrap();
        forbidden_range(ip).map(|forbidden| forbidden.range)
    }

    #[test]
    fn only_globally_reachable_ipv4_unicast_addresses_may_be_called() {
        // Each range of the IANA IPv4 Special-Purpose Address Registry that is not globally
        // reachable, with an address at each end and its public neighbours.
        let cases: &[(&str, Option<&str>)] = &[
            ("0.0.0.0", Some("this-network")),
            ("0.255.255.255", Some("this-network")),
            ("1.0.0.0", None),
            ("9.255.255.255", None),
            ("10.0.0.0", Some("private")),
            ("10.255.255.255", Some("private")),
            ("11.0.0.0", None),
            ("100.63.255.255", None),
            ("100.64.0.0", Some("shared (CGNAT)")),
            ("100.127.255.255", Some("shared (CGNAT)")),
            ("100.128.0.0", None),
            ("126.255.255.255", None),
            ("127.0.0.1", Some("loopback")),
            ("127.255.255.255", Some("loopback")),
            ("128.0.0.0", None),
            ("169.253.255.255", None),
            ("169.254.0.0", Some("link-local")),
            ("169.254.169.254", Some("link-local")),
            ("169.254.255.255", Some("link-local")),
            ("169.255.0.0", None),
            ("172.15.255.255", None),
            ("172.16.0.0", Some("private")),
            ("172.31.255.255", Some("private")),
            ("172.32.0.0", None),
            ("191.255.255.255", None),
            ("192.0.0.0", Some("IETF protocol assignment")),
            ("192.0.0.1", Some("IETF protocol assignment")),
            ("192.0.0.9", Some("IETF protocol assignment")),
            ("192.0.0.170", Some("IETF protocol assignment")),
            ("192.0.0.255", Some("IETF protocol assignment")),
            ("192.0.1.0", None),
            ("192.0.2.0", Some("documentation")),
            ("192.0.2.255", Some("documentation")),
            ("192.0.3.0", None),
            ("192.88.98.255", None),
            ("192.88.99.1", Some("6to4 relay anycast")),
            ("192.88.99.255", Some("6to4 relay anycast")),
            ("192.88.100.0", None),
            ("192.167.255.255", None),
            ("192.168.0.0", Some("private")),
            ("192.168.255.255", Some("private")),
            ("192.169.0.0", None),
            ("198.17.255.255", None),
            ("198.18.0.1", Some("benchmarking")),
            ("198.19.255.255", Some("benchmarking")),
            ("198.20.0.0", None),
            ("198.51.99.255", None),
            ("198.51.100.0", Some("documentation")),
            ("198.51.100.255", Some("documentation")),
            ("198.51.101.0", None),
            ("203.0.112.255", None),
            ("203.0.113.0", Some("documentation")),
            ("203.0.113.255", Some("documentation")),
            ("203.0.114.0", None),
            ("223.255.255.255", None),
            ("224.0.0.0", Some("multicast")),
            ("239.255.255.255", Some("multicast")),
            ("240.0.0.0", Some("reserved")),
            ("240.0.0.1", Some("reserved")),
            ("255.255.255.254", Some("reserved")),
            ("255.255.255.255", Some("broadcast")),
            // Globally reachable entries of the registry, and ordinary hosts.
            ("192.31.196.1", None),
            ("192.52.193.1", None),
            ("192.175.48.1", None),
            ("8.8.8.8", None),
            ("93.184.216.34", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(range_of(raw), *expected, "{raw}");
        }
    }

    #[test]
    fn only_globally_reachable_ipv6_unicast_addresses_may_be_called() {
        let cases: &[(&str, Option<&str>)] = &[
            ("::", Some("unspecified")),
            ("::1", Some("loopback")),
            ("100::", Some("discard-only")),
            ("100::ffff:ffff:ffff:ffff", Some("discard-only")),
            ("100:0:0:1::1", Some("dummy")),
            ("100:0:0:2::", Some("reserved")),
            ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Some("reserved")),
            ("2000::", None),
            ("2001:1::1", Some("IETF protocol assignment")),
            ("2001:2::1", Some("benchmarking")),
            ("2001:2:0:ffff::", Some("benchmarking")),
            ("2001:3::1", Some("IETF protocol assignment")),
            ("2001:10::1", Some("ORCHID")),
            ("2001:1f:ffff::", Some("ORCHID")),
            ("2001:20::1", Some("ORCHIDv2")),
            ("2001:2f:ffff::", Some("ORCHIDv2")),
            ("2001:1ff:ffff::", Some("IETF protocol assignment")),
            ("2001:200::1", None),
            ("2001:db7:ffff::", None),
            ("2001:db8::1", Some("documentation")),
            ("2001:db8:ffff::", Some("documentation")),
            ("2001:db9::", None),
            ("2003::1", None),
            ("3ffd:ffff::", None),
            ("3ffe::1", Some("6bone (returned)")),
            ("3ffe:ffff::", Some("6bone (returned)")),
            ("3fff::1", Some("documentation")),
            ("3fff:fff:ffff::", Some("documentation")),
            ("3fff:1000::", None),
            ("4000::", Some("reserved")),
            ("5f00::1", Some("segment routing (SRv6) SID")),
            ("fbff:ffff::", Some("reserved")),
            ("fc00::1", Some("unique-local")),
            ("fd12:3456::1", Some("unique-local")),
            ("fdff:ffff::", Some("unique-local")),
            ("fe80::1", Some("link-local")),
            ("febf:ffff::", Some("link-local")),
            ("fec0::1", Some("site-local")),
            ("feff:ffff::", Some("site-local")),
            ("ff02::1", Some("multicast")),
            ("2606:4700::1111", None),
            ("2404:6800:4004::200e", None),
        ];
        for (raw, expected) in cases {
            assert_eq!(range_of(raw), *expected, "{raw}");
        }
    }

    #[test]
    fn ipv4_addresses_carried_in_ipv6_ones_are_judged_by_the_ipv4_rules() {
        let v4 = |raw: &str| -> Ipv4Addr { raw.parse().unwrap() };
        // (address, the range, how an IPv4 address is carried and which)
        type Case<'a> = (&'a str, Option<&'a str>, Option<(&'a str, &'a str)>);
        let cases: &[Case] = &[
            (
                "::ffff:127.0.0.1",
                Some("loopback"),
                Some(("IPv4-mapped", "127.0.0.1")),
            ),
            (
                "::ffff:10.1.2.3",
                Some("private"),
                Some(("IPv4-mapped", "10.1.2.3")),
            ),
            ("::ffff:8.8.8.8", None, None),
            (
                "::127.0.0.1",
                Some("loopback"),
                Some(("IPv4-compatible", "127.0.0.1")),
            ),
            (
                "::2",
                Some("this-network"),
                Some(("IPv4-compatible", "0.0.0.2")),
            ),
            ("::8.8.8.8", Some("IPv4-compatible"), None),
            (
                "::ffff:0:127.0.0.1",
                Some("loopback"),
                Some(("IPv4-translated", "127.0.0.1")),
            ),
            ("::ffff:0:8.8.8.8", Some("IPv4-translated"), None),
            (
                "64:ff9b::7f00:1",
                Some("loopback"),
                Some(("NAT64", "127.0.0.1")),
            ),
            (
                "64:ff9b::a9fe:a9fe",
                Some("link-local"),
                Some(("NAT64", "169.254.169.254")),
            ),
            ("64:ff9b::808:808", None, None),
            (
                "64:ff9b:1::a00:1",
                Some("local-use IPv4/IPv6 translation"),
                None,
            ),
            (
                "64:ff9b:1::808:808",
                Some("local-use IPv4/IPv6 translation"),
                None,
            ),
            (
                "64:ff9b:1:ffff::",
                Some("local-use IPv4/IPv6 translation"),
                None,
            ),
            ("64:ff9b:2::", Some("reserved"), None),
            (
                "2002:7f00:1::",
                Some("loopback"),
                Some(("6to4", "127.0.0.1")),
            ),
            (
                "2002:a9fe:a9fe::",
                Some("link-local"),
                Some(("6to4", "169.254.169.254")),
            ),
            (
                "2002:c0a8:101::1",
                Some("private"),
                Some(("6to4", "192.168.1.1")),
            ),
            ("2002:808:808::1", None, None),
            // Teredo: the client's address is the last 32 bits inverted.
            (
                "2001::1",
                Some("reserved"),
                Some(("Teredo", "255.255.255.254")),
            ),
            (
                "2001:0:4136:e378:8000:63bf:80ff:fffe",
                Some("loopback"),
                Some(("Teredo", "127.0.0.1")),
            ),
            ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", Some("Teredo"), None),
        ];
        for (raw, range, carried) in cases {
            let forbidden = forbidden_range(raw.parse().unwrap());
            assert_eq!(forbidden.map(|f| f.range), *range, "{raw}");
            assert_eq!(
                forbidden.and_then(|f| f.carried),
                carried.map(|(how, address)| (how, v4(address))),
                "{raw}"
            );
        }
    }

    #[test]
    fn refusals_name_the_range_and_the_carried_address() {
        let message = refuse_address("64:ff9b::7f00:1".parse().unwrap()).unwrap_err();
        assert!(message.contains("loopback"), "{message}");
        assert!(message.contains("127.0.0.1"), "{message}");
        assert!(message.contains("NAT64"), "{message}");
        let message = refuse_address("fec0::1".parse().unwrap()).unwrap_err();
        assert!(
            message.contains("site-local address (fec0::1)"),
            "{message}"
        );
        assert!(refuse_address("8.8.8.8".parse().unwrap()).is_ok());
    }

    #[test]
    fn a_name_is_refused_when_any_of_its_addresses_is_not_public() {
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let nat64_loopback: IpAddr = "64:ff9b::7f00:1".parse().unwrap();
        assert!(refuse_resolved("hooks.example.com", &[public]).is_ok());
        let message = refuse_resolved("hooks.example.com", &[public, nat64_loopback]).unwrap_err();
        assert!(message.contains("loopback"), "{message}");
        assert!(message.ends_with(": hooks.example.com"), "{message}");
        assert!(refuse_resolved("hooks.example.com", &[]).is_err());
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
