//! Services as written: image, command, env, exposes with their HTTP options, params and
//! registry credentials.

use std::collections::BTreeMap;

use crate::de::Cursor;
use crate::error::{Result, SdlError};
use crate::manifest::{HttpOptions, Protocol};

use super::{Credentials, Expose, ExposeTo, Params, Service, StorageParam};

pub(super) fn service(c: &Cursor<'_>) -> Result<Service> {
    let f = c.fields_lenient(&[
        "image",
        "command",
        "args",
        "env",
        "expose",
        "dependencies",
        "params",
        "credentials",
    ])?;
    let image = match f.get("image") {
        Some(i) => i.string()?,
        None => return Err(f.missing("image")),
    };
    let list = |key: &str| -> Result<Option<Vec<String>>> {
        match f.raw(key) {
            Some(v) => v.string_list(),
            None => Ok(None),
        }
    };
    let mut expose = Vec::new();
    if let Some(e) = f.get("expose") {
        for item in e.seq()? {
            expose.push(expose_entry(&item)?);
        }
    }
    let mut dependencies = Vec::new();
    if let Some(deps) = f.get("dependencies") {
        for d in deps.seq()? {
            let df = d.fields_lenient(&["service"])?;
            dependencies.push(df.require("service")?.string()?);
        }
    }
    let params = f.get("params").map(|p| params(&p)).transpose()?;
    let credentials = f.get("credentials").map(|c| credentials(&c)).transpose()?;
    Ok(Service {
        image,
        command: list("command")?,
        args: list("args")?,
        env: list("env")?,
        expose,
        dependencies,
        params,
        credentials,
    })
}

fn expose_entry(c: &Cursor<'_>) -> Result<Expose> {
    let f = c.fields_lenient(&["port", "as", "proto", "to", "accept", "http_options"])?;
    let port_c = f.require("port")?;
    let port = port_c.u32()?;
    if port == 0 || port > 65535 {
        return Err(port_c.err(format!("{port} is not a port (1-65535)")));
    }
    let external_port = match f.get("as") {
        Some(a) => {
            let v = a.u32()?;
            if v > 65535 {
                return Err(a.err(format!("{v} is not a port (1-65535)")));
            }
            v
        }
        None => 0,
    };
    let proto_raw = f
        .get("proto")
        .map(|p| p.string())
        .transpose()?
        .unwrap_or_default();
    let proto = match proto_raw.to_ascii_uppercase().as_str() {
        "" | "TCP" => Protocol::Tcp,
        "UDP" => Protocol::Udp,
        _ => {
            return Err(f
                .require("proto")?
                .err(format!("{proto_raw:?} is not a protocol (use tcp or udp)")))
        }
    };
    let mut to = Vec::new();
    if let Some(t) = f.get("to") {
        for item in t.seq()? {
            let tf = item.fields_lenient(&["service", "global", "ip"])?;
            let service = tf.get("service").map(|s| s.string()).transpose()?;
            let global = tf
                .raw("global")
                .map(|g| g.bool())
                .transpose()?
                .unwrap_or(false);
            let ip = tf.get("ip").map(|s| s.string()).transpose()?;
            to.push(ExposeTo {
                service: service.unwrap_or_default(),
                global,
                ip: ip.unwrap_or_default(),
            });
        }
    }
    let accept = match f.raw("accept") {
        Some(a) => {
            let hosts = a.string_list()?;
            for (i, host) in hosts.iter().flatten().enumerate() {
                if !is_valid_hostname(host) {
                    return Err(SdlError::new(
                        format!("{}[{i}]", a.path),
                        Some(a.node.line),
                        format!("{host:?} is not a valid hostname"),
                    ));
                }
            }
            hosts
        }
        None => None,
    };
    let http_options = match f.raw("http_options") {
        Some(h) => http_options(&h)?,
        None => HttpOptions::default(),
    };
    Ok(Expose {
        port,
        external_port,
        proto_raw,
        proto,
        to,
        accept,
        http_options,
    })
}

/// A DNS-1123 subdomain of at most 253 characters, as Akash's manifest validation requires.
pub fn is_valid_hostname(host: &str) -> bool {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    !host.is_empty() && host.len() <= 253 && host.split('.').all(label_ok)
}

const NEXT_CASES: [&str; 10] = [
    "error", "timeout", "500", "502", "503", "504", "403", "404", "429", "off",
];

fn http_options(c: &Cursor<'_>) -> Result<HttpOptions> {
    let f = c.fields_lenient(&[
        "max_body_size",
        "proxy_buffer_size",
        "read_timeout",
        "send_timeout",
        "next_tries",
        "next_timeout",
        "next_cases",
    ])?;
    let num = |key: &str, max: Option<u32>, what: &str| -> Result<u32> {
        let Some(v) = f.raw(key) else { return Ok(0) };
        let n = v.u32()?;
        if let Some(max) = max {
            if n > max {
                return Err(v.err(format!("{n} is above the maximum of {max} {what}")));
            }
        }
        Ok(n)
    };
    let defaults = HttpOptions::default();
    let max_body_size = num("max_body_size", Some(104_857_600), "bytes")?;
    let proxy_buffer_size = num("proxy_buffer_size", Some(1_048_576), "bytes")?;
    let read_timeout = num("read_timeout", Some(60_000), "ms")?;
    let send_timeout = num("send_timeout", Some(60_000), "ms")?;
    let next_tries = num("next_tries", None, "")?;
    let next_timeout = num("next_timeout", None, "")?;
    let mut next_cases = match f.raw("next_cases") {
        Some(n) => n.string_list()?.unwrap_or_default(),
        None => Vec::new(),
    };
    if next_cases.is_empty() {
        next_cases = defaults.next_cases.clone();
    } else {
        let path = f.path("next_cases");
        for (i, case) in next_cases.iter().enumerate() {
            if !NEXT_CASES.contains(&case.as_str()) {
                return Err(SdlError::new(
                    format!("{path}[{i}]"),
                    Some(c.node.line),
                    format!(
                        "{case:?} is not a next case (use one of: {})",
                        NEXT_CASES.join(", ")
                    ),
                ));
            }
            if case == "off" && next_cases.len() != 1 {
                return Err(SdlError::new(
                    path.clone(),
                    Some(c.node.line),
                    "if 'off' is given, no other case may be",
                ));
            }
        }
    }
    let or = |v: u32, d: u32| if v == 0 { d } else { v };
    Ok(HttpOptions {
        max_body_size: or(max_body_size, defaults.max_body_size),
        proxy_buffer_size,
        read_timeout: or(read_timeout, defaults.read_timeout),
        send_timeout: or(send_timeout, defaults.send_timeout),
        next_tries: or(next_tries, defaults.next_tries),
        next_timeout,
        next_cases,
    })
}

fn params(c: &Cursor<'_>) -> Result<Params> {
    let f = c.fields_lenient(&["storage", "permissions", "tee"])?;
    let mut storage = BTreeMap::new();
    if let Some(s) = f.get("storage") {
        for (name, p) in s.entries()? {
            let pf = p.fields_lenient(&["mount", "readOnly"])?;
            let mount = pf.get("mount").map(|m| m.string()).transpose()?;
            let read_only = pf.raw("readOnly").map(|r| r.bool()).transpose()?;
            storage.insert(
                name,
                StorageParam {
                    mount: mount.unwrap_or_default(),
                    read_only: read_only.unwrap_or(false),
                },
            );
        }
    }
    let permissions = match f.get("permissions") {
        Some(p) => {
            let pf = p.fields_lenient(&["read"])?;
            let read = match pf.raw("read") {
                Some(r) => r.string_list()?,
                None => None,
            };
            if let (Some(list), Some(r)) = (&read, pf.raw("read")) {
                for (i, item) in list.iter().enumerate() {
                    if !["deployment", "logs", "events"].contains(&item.as_str()) {
                        return Err(SdlError::new(
                            format!("{}[{i}]", r.path),
                            Some(r.node.line),
                            format!(
                                "{item:?} is not a permission (use deployment, logs or events)"
                            ),
                        ));
                    }
                }
            }
            Some(read.unwrap_or_default())
        }
        None => None,
    };
    let tee = match f.get("tee") {
        Some(t) => {
            let v = t.string()?;
            if v != "cpu" && v != "cpu-gpu" {
                return Err(t.err(format!("{v:?} is not a TEE type (use cpu or cpu-gpu)")));
            }
            Some(v)
        }
        None => None,
    };
    Ok(Params {
        storage,
        permissions,
        tee,
    })
}

fn credentials(c: &Cursor<'_>) -> Result<Credentials> {
    let f = c.fields_lenient(&["host", "email", "username", "password"])?;
    let get = |key: &str| -> Result<String> {
        Ok(f.get(key)
            .map(|v| v.string())
            .transpose()?
            .unwrap_or_default())
    };
    let creds = Credentials {
        host: get("host")?,
        email: get("email")?,
        username: get("username")?,
        password: get("password")?,
    };
    for (key, value) in [
        ("host", &creds.host),
        ("username", &creds.username),
        ("password", &creds.password),
    ] {
        if value.trim().is_empty() {
            let line = f.raw(key).map_or(c.node.line, |v| v.node.line);
            return Err(SdlError::new(
                f.path(key),
                Some(line),
                format!("missing: registry credentials need a {key}"),
            ));
        }
    }
    Ok(creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        assert!(is_valid_hostname("ahostname.com"));
        assert!(is_valid_hostname("test.localhost"));
        assert!(!is_valid_hostname("Upper.com"));
        assert!(!is_valid_hostname("*.example.com"));
        assert!(!is_valid_hostname("a..b"));
        assert!(!is_valid_hostname(""));
        assert!(!is_valid_hostname("-a.com"));
    }
}
