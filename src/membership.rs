//! Joining and leaving: the operations behind `newsletter serve`'s pages
//! and `newsletter unsubscribe --token`. Each takes the state, the token
//! maker and `now`; none reads the clock or the subscriber list.
//!
//! A token that is forged, altered, of the wrong kind, or names an address
//! the state does not know all give `None` / [`Confirmation::NotFound`]:
//! callers answer them alike.

use chrono::{DateTime, Duration, Utc};

use crate::error::{Error, Result};
use crate::state::{State, SubscribeDecision, SubscribeRequest};
use crate::token::Tokens;

/// An address a token resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The normalized address.
    pub key: String,
    /// The address as sent to.
    pub email: String,
}

impl Member {
    /// The address partly masked for a page: `a***@example.org`.
    pub fn masked(&self) -> String {
        mask(&self.email)
    }
}

/// `ann@example.org` -> `a***@example.org`; the domain stays readable.
pub fn mask(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// The address an unsubscribe token names, if the token is genuine and
/// the address known. Reads only.
pub fn resolve(state: &State, tokens: &Tokens, token: &str) -> Result<Option<Member>> {
    let Some(id) = tokens.check_unsubscribe(token) else {
        return Ok(None);
    };
    Ok(state
        .address(&id)?
        .map(|(key, email)| Member { key, email }))
}

/// Suppresses the address of an unsubscribe token as of `now`, noting
/// `reason` (`one-click`, `page`). Repeating it changes nothing.
pub fn unsubscribe(
    state: &mut State,
    tokens: &Tokens,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<Member>> {
    let Some(member) = resolve(state, tokens, token)? else {
        return Ok(None);
    };
    state.suppress(std::slice::from_ref(&member.key), now)?;
    Ok(Some(member))
}

/// Lifts the suppression of the address of an unsubscribe token (the
/// page's "resubscribe", like `newsletter unsubscribe --undo`).
pub fn resubscribe(state: &mut State, tokens: &Tokens, token: &str) -> Result<Option<Member>> {
    let Some(member) = resolve(state, tokens, token)? else {
        return Ok(None);
    };
    state.unsuppress(std::slice::from_ref(&member.key))?;
    Ok(Some(member))
}

/// What a confirm token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Genuine, unexpired, and the address has a subscription.
    Valid(Member),
    /// Genuine but expired: the person may ask for a new link.
    Expired(Member),
    /// Anything else.
    NotFound,
}

/// Checks a confirm token without changing anything.
pub fn check_confirm(
    state: &State,
    tokens: &Tokens,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Confirmation> {
    let Some(t) = tokens.check_confirm(token) else {
        return Ok(Confirmation::NotFound);
    };
    let Some((key, email)) = state.address(&t.id)? else {
        return Ok(Confirmation::NotFound);
    };
    let member = Member { key, email };
    Ok(if now >= t.expires {
        Confirmation::Expired(member)
    } else {
        Confirmation::Valid(member)
    })
}

/// Confirms the subscription a valid confirm token names (recording `ip`
/// if given) and lifts a suppression of the address.
pub fn confirm(
    state: &mut State,
    tokens: &Tokens,
    token: &str,
    now: DateTime<Utc>,
    ip: Option<&str>,
) -> Result<Confirmation> {
    let c = check_confirm(state, tokens, token, now)?;
    if let Confirmation::Valid(m) = &c
        && !state.confirm_subscription(&m.key, now, ip)?
    {
        return Ok(Confirmation::NotFound);
    }
    Ok(c)
}

/// A confirmation email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationEmail {
    /// The address.
    pub email: String,
    /// The name given, if any.
    pub name: Option<String>,
    /// The confirm token.
    pub token: String,
    /// When the token expires.
    pub expires: DateTime<Utc>,
}

/// Limits of [`request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Confirmation emails per address per 24 hours.
    pub per_address_per_day: u32,
    /// Hours a confirm token stays valid.
    pub confirm_hours: u32,
}

/// Handles a subscribe form: the confirmation email to send, if any. An
/// invalid address, one already subscribed, or one over its limit send
/// nothing; the caller answers all of them like a success.
pub fn request(
    state: &mut State,
    tokens: &Tokens,
    email: &str,
    name: Option<&str>,
    now: DateTime<Utc>,
    limits: RequestLimits,
) -> Result<Option<ConfirmationEmail>> {
    let Ok(address) = crate::subscribers::normalize_address(email) else {
        return Ok(None);
    };
    let name = name
        .map(crate::compose::clean)
        .filter(|n| !n.is_empty())
        .map(|n| n.chars().take(200).collect::<String>());
    let req = SubscribeRequest {
        id: tokens.address_id(&address.key),
        key: address.key,
        email: address.email,
        name,
    };
    match state.request_subscription(&req, now, limits.per_address_per_day)? {
        SubscribeDecision::SendConfirmation => {
            let expires = now + Duration::hours(i64::from(limits.confirm_hours));
            Ok(Some(ConfirmationEmail {
                token: tokens.confirm(&req.key, expires),
                email: req.email,
                name: req.name,
                expires,
            }))
        }
        SubscribeDecision::AlreadySubscribed | SubscribeDecision::Limited => Ok(None),
    }
}

/// The token maker for `secret` (the unsubscribe secret, read once with
/// the project's environment); `what` names what needs it, `var` the
/// variable it comes from, for the error when it is missing.
pub fn tokens(secret: Option<&str>, var: &str, what: &str) -> Result<Tokens> {
    secret
        .and_then(|s| Tokens::new(s.as_bytes()))
        .ok_or_else(|| {
            Error::input(format!(
                "{what} needs the unsubscribe secret, but the environment variable {var} \
                 (unsubscribe.secret_env) is empty"
            ))
            .with_help("export the same secret that `send` uses")
        })
}

#[cfg(test)]
mod tests;
